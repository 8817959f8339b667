package org.pqsip.call;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.pqsip.ice.IceDescription;
import org.pqsip.media.AudioCodec;
import org.pqsip.sdp.MediaDescription;
import org.pqsip.sdp.SdpException;
import org.pqsip.sdp.SdpLine;
import org.pqsip.sdp.SessionDescription;

/** Our audio SDP, and the bits we read from the peer's (address, port, codec). */
public final class LocalSdp {
  private LocalSdp() {}

  public static SessionDescription audio(InetSocketAddress rtp, AudioCodec preferred, long sessionId, long version) {
    AudioCodec other = preferred == AudioCodec.PCMU ? AudioCodec.PCMA : AudioCodec.PCMU;
    String ip = text(rtp.getAddress());
    String family = rtp.getAddress() instanceof java.net.Inet6Address ? "IP6" : "IP4";
    try {
      return SessionDescription.parse(
          "v=0\r\n"
              + "o=- " + sessionId + " " + version + " IN " + family + " " + ip + "\r\n"
              + "s=pqsip\r\n"
              + "c=IN " + family + " " + ip + "\r\n"
              + "t=0 0\r\n"
              + "m=audio " + rtp.getPort() + " RTP/AVP " + preferred.payloadType() + " " + other.payloadType() + "\r\n"
              + "a=rtpmap:" + preferred.payloadType() + " " + preferred.name() + "/8000\r\n"
              + "a=rtpmap:" + other.payloadType() + " " + other.name() + "/8000\r\n"
              + "a=ptime:20\r\n"
              + "a=sendrecv\r\n");
    } catch (SdpException e) {
      throw new IllegalStateException("our own SDP does not parse", e);
    }
  }

  /** An address as SDP writes it: IPv6 in RFC 5952 form (lower case, longest zero run as ::). */
  static String text(InetAddress a) {
    if (!(a instanceof java.net.Inet6Address)) {
      return a.getHostAddress();
    }
    byte[] b = a.getAddress();
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1; // a single zero group is not compressed
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  /**
   * Our answer's media: one line per offered m-line, in the offer's order (RFC 3264 §6): our
   * audio at {@code audioMline}, every other line rejected with port 0.
   */
  static SessionDescription answer(
      SessionDescription offer, int audioMline, InetSocketAddress rtp, AudioCodec preferred, long sessionId, long version) {
    SessionDescription ours = audio(rtp, preferred, sessionId, version);
    MediaDescription audio = ours.media().get(0);
    java.util.List<MediaDescription> media = new java.util.ArrayList<>();
    for (int i = 0; i < offer.media().size(); i++) {
      MediaDescription o = offer.media().get(i);
      media.add(i == audioMline ? audio : new MediaDescription(o.media(), 0, o.proto(), o.formats(), java.util.List.of()));
    }
    return ours.withMedia(media);
  }

  /**
   * The peer's RTP and RTCP addresses and the first codec we share, for the audio m-line, and
   * its ICE (RFC 8839) when it does ICE.
   */
  public record Remote(int mline, InetSocketAddress rtp, InetSocketAddress rtcp, AudioCodec codec,
      Optional<IceDescription> ice) {
    public Remote(int mline, InetSocketAddress rtp, InetSocketAddress rtcp, AudioCodec codec) {
      this(mline, rtp, rtcp, codec, Optional.empty());
    }
  }

  /**
   * {@code sdp} with our ICE on its {@code mline}th m-line: credentials and candidates, RTCP
   * multiplexed on the RTP port (RFC 5761, one ICE component), and our NAT class (session level).
   */
  public static SessionDescription withIce(SessionDescription sdp, int mline, IceDescription ice) {
    java.util.List<MediaDescription> media = new java.util.ArrayList<>(sdp.media());
    media.set(mline, ice.addTo(media.get(mline)).withAttribute("rtcp-mux", ""));
    return sdp.withMedia(media).withSessionAttribute(org.pqsip.ice.NatClass.SDP_ATTRIBUTE, ice.nat().token());
  }

  /**
   * The first audio m-line we can play, or empty; ports that cannot be addressed (RTCP beyond
   * 65535, negative, not a number) are an {@link SdpException}, never an unchecked exception.
   */
  public static Optional<Remote> remote(SessionDescription sdp) throws SdpException {
    Optional<String> sessionC = connection(sdp.sessionLines());
    for (int i = 0; i < sdp.media().size(); i++) {
      MediaDescription m = sdp.media().get(i);
      if (!m.media().equals("audio") || m.port() == 0) {
        continue;
      }
      Optional<String> host = connection(m.lines()).or(() -> sessionC);
      Optional<AudioCodec> codec = Optional.empty();
      for (String f : m.formats()) {
        try {
          codec = AudioCodec.forPayloadType(Integer.parseInt(f));
        } catch (NumberFormatException e) {
          codec = Optional.empty();
        }
        if (codec.isPresent()) {
          break;
        }
      }
      if (host.isEmpty() || codec.isEmpty()) {
        return Optional.empty();
      }
      int rtcpPort = m.port() + 1;
      for (String v : m.attributeValues("rtcp")) {
        try {
          rtcpPort = Integer.parseInt(v.split(" ")[0]);
        } catch (NumberFormatException e) {
          throw new SdpException("a=rtcp port is not a number");
        }
      }
      if (!m.attributeValues("rtcp-mux").isEmpty()) {
        rtcpPort = m.port();
      }
      if (m.port() < 1 || m.port() > 65535 || rtcpPort < 1 || rtcpPort > 65535) {
        throw new SdpException("RTP/RTCP port out of range (RTP " + m.port() + ", RTCP " + rtcpPort + ")");
      }
      try {
        InetAddress a = InetAddress.getByName(host.get()); // literal addresses only: see connection()
        return Optional.of(new Remote(i, new InetSocketAddress(a, m.port()), new InetSocketAddress(a, rtcpPort), codec.get(),
            IceDescription.of(sdp, i)));
      } catch (java.net.UnknownHostException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** c= address if it is an IPv4/IPv6 literal; host names are refused (no DNS look-ups). */
  private static Optional<String> connection(java.util.List<SdpLine> lines) {
    for (SdpLine l : lines) {
      if (l.type() == 'c') {
        String[] f = l.value().split(" ");
        if (f.length >= 3 && f[0].equals("IN")) {
          String addr = f[2].contains("/") ? f[2].substring(0, f[2].indexOf('/')) : f[2];
          if (addr.matches("[0-9.]+") || addr.contains(":")) {
            return Optional.of(addr);
          }
        }
      }
    }
    return Optional.empty();
  }
}
