package org.pqsip.sip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A man in the middle for tests: a TCP relay for SIP that can rewrite message bodies (SDP) in
 * both directions, fixing Content-Length. The caller addresses its INVITE to this relay's port;
 * the relay forwards to the real callee on a connection of its own.
 */
public final class SdpRewritingProxy implements AutoCloseable {
  public interface Rewriter {
    /** The new body; {@code towardCallee} is true for requests from the caller. */
    String rewrite(boolean towardCallee, String startLine, String body) throws Exception;
  }

  private static final Pattern LENGTH =
      Pattern.compile("^(Content-Length|l)[ \\t]*:[ \\t]*(\\d+)[ \\t]*(?=\\r?$)", Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);

  private final ServerSocket server;
  private final InetSocketAddress callee;
  private final Rewriter rewriter;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;
  public final List<Throwable> failures = new CopyOnWriteArrayList<>();

  private final boolean anchor;

  public SdpRewritingProxy(int port, InetSocketAddress callee, Rewriter rewriter) throws IOException {
    this(port, callee, rewriter, false);
  }

  /**
   * With {@code anchor}, the callee's address in messages toward the caller (its Contact) is
   * replaced by the relay's, so the caller's in-dialog requests (re-INVITE, BYE) also cross it,
   * as they cross a PBX that stays in the dialog.
   */
  public SdpRewritingProxy(int port, InetSocketAddress callee, Rewriter rewriter, boolean anchor) throws IOException {
    this.anchor = anchor;
    this.server = new ServerSocket(port, 10, InetAddress.getLoopbackAddress());
    this.callee = callee;
    this.rewriter = rewriter;
    this.acceptor = new Thread(this::acceptLoop, "mitm-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void acceptLoop() {
    try {
      while (!server.isClosed()) {
        Socket caller = server.accept();
        Socket up = new Socket(callee.getAddress(), callee.getPort());
        sockets.add(caller);
        sockets.add(up);
        pump(caller, up, true);
        pump(up, caller, false);
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void pump(Socket from, Socket to, boolean towardCallee) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                while (true) {
                  byte[] msg = readMessage(in);
                  if (msg == null) {
                    return;
                  }
                  out.write(rewrite(msg, towardCallee));
                  out.flush();
                }
              } catch (Exception e) {
                if (!server.isClosed()) {
                  failures.add(e);
                }
              }
            },
            "mitm-pump");
    t.setDaemon(true);
    t.start();
  }

  private byte[] rewrite(byte[] msg, boolean towardCallee) throws Exception {
    String text = new String(msg, StandardCharsets.UTF_8);
    int split = text.indexOf("\r\n\r\n");
    if (split < 0) {
      return msg; // keep-alive CRLFs
    }
    String head = text.substring(0, split + 4);
    String body = text.substring(split + 4);
    if (anchor && !towardCallee) {
      head = head.replace("127.0.0.1:" + callee.getPort(), "127.0.0.1:" + server.getLocalPort());
    }
    if (body.isEmpty()) {
      return head.getBytes(StandardCharsets.UTF_8);
    }
    String startLine = head.substring(0, head.indexOf("\r\n"));
    String newBody = rewriter.rewrite(towardCallee, startLine, body);
    Matcher m = LENGTH.matcher(head);
    String newHead = m.replaceFirst("Content-Length: " + newBody.getBytes(StandardCharsets.UTF_8).length);
    return (newHead + newBody).getBytes(StandardCharsets.UTF_8);
  }

  /** One SIP message (or a run of CRLF keep-alives); null at end of stream. */
  private static byte[] readMessage(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      if (head.size() <= 2 && (c == '\r' || c == '\n') && head.toString(StandardCharsets.US_ASCII).isBlank()) {
        if (c == '\n') {
          return head.toByteArray();
        }
        continue;
      }
      state = (c == '\r' && (state == 0 || state == 2)) ? state + 1 : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      if (state == 4) {
        break;
      }
    }
    if (c < 0) {
      return null;
    }
    Matcher m = LENGTH.matcher(head.toString(StandardCharsets.UTF_8));
    int len = m.find() ? Integer.parseInt(m.group(2)) : 0;
    byte[] body = in.readNBytes(len);
    head.write(body);
    return head.toByteArray();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
