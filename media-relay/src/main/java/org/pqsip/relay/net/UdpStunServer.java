package org.pqsip.relay.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Optional;
import org.pqsip.relay.core.BindingService;

/**
 * A thin UDP driver around {@link BindingService}: one thread, one socket, one receive buffer.
 * A first slice of the relay (STUN Binding only); TURN and the per-core event loops follow.
 * Logs nothing per request.
 */
public final class UdpStunServer implements AutoCloseable {
  private final DatagramChannel channel;
  private final BindingService binding = new BindingService();
  private final Thread thread;
  private volatile boolean closed;

  private UdpStunServer(DatagramChannel channel) {
    this.channel = channel;
    this.thread = new Thread(this::loop, "pqsip-relay-udp");
    thread.setDaemon(true);
  }

  public static UdpStunServer start(InetSocketAddress listen) throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.bind(listen);
    UdpStunServer s = new UdpStunServer(ch);
    s.thread.start();
    return s;
  }

  public InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  private void loop() {
    ByteBuffer buf = ByteBuffer.allocate(2048);
    while (!closed) {
      try {
        buf.clear();
        InetSocketAddress from = (InetSocketAddress) channel.receive(buf);
        Optional<byte[]> reply = binding.handle(from, buf.array(), 0, buf.position());
        if (reply.isPresent()) {
          channel.send(ByteBuffer.wrap(reply.get()), from);
        }
      } catch (IOException e) {
        if (closed) {
          return;
        }
        // a failed send to one client must not stop the server
      }
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    closed = true;
    channel.close();
    thread.join(2000);
  }
}
