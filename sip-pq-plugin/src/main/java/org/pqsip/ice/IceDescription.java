package org.pqsip.ice;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pqsip.sdp.MediaDescription;
import org.pqsip.sdp.SdpException;
import org.pqsip.sdp.SessionDescription;

/**
 * What one side's SDP says about ICE for the audio stream (RFC 8839): credentials
 * ({@code a=ice-ufrag}, {@code a=ice-pwd}, media level over session level), candidates, whether
 * the list is complete ({@code a=end-of-candidates}), and our own {@code a=pq-nat}. A peer
 * without credentials does not do ICE (legacy: media goes to {@code c=}/{@code m=}). Candidates
 * we cannot use (TCP, host names) are skipped and counted; a malformed one is an error, as any
 * malformed SDP is.
 */
public record IceDescription(String ufrag, String pwd, List<IceCandidate> candidates, boolean complete,
    NatClass nat, int skipped) {

  public static final String UFRAG = "ice-ufrag";
  public static final String PWD = "ice-pwd";
  public static final String END_OF_CANDIDATES = "end-of-candidates";

  public IceDescription {
    if (!ufrag.matches("[A-Za-z0-9+/]{4,256}") || !pwd.matches("[A-Za-z0-9+/]{22,256}")) {
      throw new IllegalArgumentException("ICE ufrag must be 4-256 and pwd 22-256 ice-chars");
    }
    candidates = List.copyOf(candidates);
  }

  /** The ICE part of {@code sdp} for its {@code index}th m-line, or empty when the peer does not do ICE. */
  public static Optional<IceDescription> of(SessionDescription sdp, int index) throws SdpException {
    MediaDescription m = sdp.media().get(index);
    Optional<String> ufrag = first(m.attributeValues(UFRAG)).or(() -> first(sdp.attributeValues(UFRAG)));
    Optional<String> pwd = first(m.attributeValues(PWD)).or(() -> first(sdp.attributeValues(PWD)));
    if (ufrag.isEmpty() && pwd.isEmpty()) {
      return Optional.empty();
    }
    if (ufrag.isEmpty() || pwd.isEmpty()) {
      throw new SdpException("a=ice-ufrag and a=ice-pwd come together");
    }
    List<IceCandidate> candidates = new ArrayList<>();
    int skipped = 0;
    for (String line : m.attributeValues(IceCandidate.ATTRIBUTE)) {
      String[] f = line.trim().split(" +");
      boolean udp = f.length > 2 && f[2].equalsIgnoreCase("udp");
      if (!udp || (f.length > 4 && !f[4].matches("[0-9a-fA-F:.]+"))) {
        skipped++; // TCP candidates and mDNS/FQDN hosts: valid SDP, not for us
        continue;
      }
      candidates.add(IceCandidate.parse(line));
    }
    boolean complete = !m.attributeValues(END_OF_CANDIDATES).isEmpty() || !sdp.attributeValues(END_OF_CANDIDATES).isEmpty();
    NatClass nat = first(sdp.attributeValues(NatClass.SDP_ATTRIBUTE)).map(NatClass::fromToken).orElse(NatClass.UNKNOWN);
    try {
      return Optional.of(new IceDescription(ufrag.get().trim(), pwd.get().trim(), candidates, complete, nat, skipped));
    } catch (IllegalArgumentException e) {
      throw new SdpException(e.getMessage());
    }
  }

  /** {@code m} with our ICE attributes (media level), candidates in the given order, list complete. */
  public MediaDescription addTo(MediaDescription m) {
    MediaDescription out = m.withAttribute(UFRAG, ufrag).withAttribute(PWD, pwd);
    for (IceCandidate c : candidates) {
      out = out.withAttribute(IceCandidate.ATTRIBUTE, c.format());
    }
    return complete ? out.withAttribute(END_OF_CANDIDATES, "") : out;
  }

  private static Optional<String> first(List<String> values) {
    return values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.get(0));
  }
}
