package org.pqsip.ice;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.pqsip.stun.StreamFraming;

/**
 * TURN over TCP or TLS: STUN messages and ChannelData frames (padded to four bytes) back to back
 * on one byte stream (RFC 8656 §12.5), cut into frames with {@link StreamFraming}.
 */
final class TurnStreamWire implements TurnWire {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] buf = new byte[2 * MAX_FRAME];
  private final ByteBuffer view = ByteBuffer.wrap(buf);
  private int start;
  private int end;

  /** {@code socket}: connected (and, for TLS, handshaken). */
  TurnStreamWire(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len); // one write: one TLS record
  }

  @Override
  public int read(byte[] into) throws IOException {
    while (true) {
      int f = StreamFraming.frameLength(view, start, end, MAX_FRAME);
      if (f == StreamFraming.INVALID) {
        throw new IOException("the relay sent something that is not TURN");
      }
      if (f != StreamFraming.INCOMPLETE) {
        System.arraycopy(buf, start, into, 0, f);
        start += f;
        if (start == end) {
          start = end = 0;
        }
        return f;
      }
      if (buf.length - end < MAX_FRAME) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
      }
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        throw new EOFException("the relay closed the connection");
      }
      end += n;
    }
  }

  @Override
  public void readTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  @Override
  public boolean reliable() {
    return true;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
