package org.pqsip.sdp;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.pqsip.keying.DeviceId;
import org.pqsip.keying.InMemoryPeerStore;
import org.pqsip.keying.KeyingConfig;
import org.pqsip.keying.KeyingException;
import org.pqsip.keying.KeyingSession;
import org.pqsip.keying.Policy;
import org.pqsip.negotiation.SdpNegotiator;
import org.pqsip.testing.ShakeRandom;

/**
 * malformed-packet-injection for SDP: mutated offers and answers (flipped, deleted, inserted
 * characters, truncation) only ever produce {@link SdpException} or {@link KeyingException},
 * never an unchecked exception that would escape into a SIP stack.
 */
class MalformedInputPropertiesTest {
  private static final ShakeRandom R = new ShakeRandom("mutations");
  private static final String OFFER;
  private static final String ANSWER;

  static {
    try {
      SessionDescription local =
          SessionDescription.parse(
              "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                  + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n");
      KeyingConfig a = KeyingConfig.defaults(Policy.PREFER, DeviceId.random(R)).withSdes(true);
      KeyingConfig b = KeyingConfig.defaults(Policy.PREFER, DeviceId.random(R)).withSdes(true);
      SdpNegotiator alice = new SdpNegotiator(a, new InMemoryPeerStore(), "b", R);
      SdpNegotiator bob = new SdpNegotiator(b, new InMemoryPeerStore(), "a", R);
      OFFER = alice.createOffer(local).format();
      ANSWER = bob.answerOffer(SessionDescription.parse(OFFER), local).sdp().format();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  record Mutation(int kind, int position, char ch) {
    String apply(String s) {
      int p = Math.floorMod(position, s.length());
      return switch (kind) {
        case 0 -> s.substring(0, p) + ch + s.substring(Math.min(s.length(), p + 1));
        case 1 -> s.substring(0, p) + s.substring(Math.min(s.length(), p + 1));
        case 2 -> s.substring(0, p) + ch + s.substring(p);
        default -> s.substring(0, p);
      };
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<Character> chars =
        Arbitraries.oneOf(
            Arbitraries.of(' ', '=', ':', ',', '\r', '\n', '\u0000', '/', '+', '-', '_', 'A', '9', 'é'),
            Arbitraries.chars());
    return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers(), chars)
        .as(Mutation::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(4);
  }

  static String mutate(String s, List<Mutation> ms) {
    for (Mutation m : ms) {
      if (s.isEmpty()) {
        return s;
      }
      s = m.apply(s);
    }
    return s;
  }

  static void onlyCheckedErrors(Runnable r) {
    assertThatCode(r::run).doesNotThrowAnyException();
  }

  @Property(tries = 500)
  void mutatedOfferGetsATypedErrorOrAnAnswer(@ForAll("mutations") List<Mutation> ms) {
    String text = mutate(OFFER, ms);
    onlyCheckedErrors(
        () -> {
          try {
            SessionDescription offer = SessionDescription.parse(text);
            for (Policy p : Policy.values()) {
              KeyingConfig c = KeyingConfig.defaults(p, DeviceId.random(R)).withSdes(p != Policy.REQUIRE);
              try (SdpNegotiator n = new SdpNegotiator(c, new InMemoryPeerStore(), "x", R)) {
                n.answerOffer(offer, offer).security().destroy();
              } catch (KeyingException expected) {
                // refused with a reason: fine
              }
            }
          } catch (SdpException expected) {
            // malformed SDP: fine
          }
        });
  }

  @Property(tries = 500)
  void mutatedAnswerGetsATypedErrorOrAResult(@ForAll("mutations") List<Mutation> ms) {
    String text = mutate(ANSWER, ms);
    onlyCheckedErrors(
        () -> {
          try {
            SessionDescription answer = SessionDescription.parse(text);
            KeyingConfig c = KeyingConfig.defaults(Policy.PREFER, DeviceId.random(R)).withSdes(true);
            try (SdpNegotiator n = new SdpNegotiator(c, new InMemoryPeerStore(), "x", R)) {
              n.createOffer(answer);
              n.acceptAnswer(answer);
            } catch (KeyingException expected) {
              // refused with a reason: fine
            }
          } catch (SdpException expected) {
            // malformed SDP: fine
          }
        });
  }

  @Property(tries = 1000)
  void mutatedAttributeValuesAreTypedErrors(@ForAll("mutations") List<Mutation> ms, @ForAll boolean offer) {
    String value = mutate((offer ? OFFER : ANSWER).split("a=pqkem:")[1].split("\r\n")[0], ms);
    onlyCheckedErrors(
        () -> {
          try {
            if (offer) {
              Optional<org.pqsip.keying.KemOffer> o = PqKemAttribute.selectOffer(List.of(value));
              KeyingSession s = new KeyingSession(KeyingConfig.defaults(Policy.PREFER, DeviceId.random(R)), new InMemoryPeerStore(), "x", R);
              s.onOffer(o);
            } else {
              PqKemAttribute.selectAnswer(List.of(value));
            }
            SdesCrypto.parse(value);
          } catch (KeyingException expected) {
            // typed error: fine
          }
        });
  }
}
