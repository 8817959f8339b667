package org.pqsip.relay.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Batched UDP system calls (Linux recvmmsg / sendmmsg), and lean single ones (recvfrom / sendto
 * without the JDK's two locks and per-datagram address encoding), through a small JNI library
 * built with the relay ({@code src/main/c/udp_batch.c}; layout of the data and meta buffers
 * described there). The JDK has no batched datagram calls. Where the library cannot load (another OS or
 * architecture, a build without gcc) {@link #AVAILABLE} is false and the event loops use one
 * system call per datagram instead.
 */
final class UdpBatch {
  /** Datagrams per call at most. */
  static final int MAX = 64;
  /** Bytes of metadata per datagram in the meta buffer. */
  static final int META = 32;
  static final int LENGTH = 0;
  static final int FAMILY = 4;
  static final int PORT = 6;
  static final int ADDRESS = 8;
  static final int OFFSET = 24;
  static final int TRUNCATED = 28;

  static final boolean AVAILABLE = load();

  private UdpBatch() {
  }

  /** What the library returns for wrong arguments (no errno is this): a bug in the caller, thrown. */
  static final int BAD_ARGUMENTS = Integer.MIN_VALUE;
  /** errno EINVAL: a datagram whose metadata cannot be sent (no known address family, a length beyond its slot). */
  static final int EINVAL = 22;

  /**
   * The socket's file descriptor, or -1 when it cannot be known for sure. The JDK has no public
   * way to it; the library reads its private field and uses the value only if that descriptor is a
   * datagram socket bound to exactly the channel's local address (otherwise: the JDK's own calls).
   */
  static int fd(DatagramChannel channel) throws IOException {
    InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
    if (local == null) {
      return -1;
    }
    SockAddr a = new SockAddr(SockAddr.isV6(local.getAddress())).set(local);
    return fd0(channel, a.familyPort, a.hi, a.lo);
  }

  private static native int fd0(DatagramChannel channel, int familyPort, long hi, long lo);

  /** A direct buffer's native address (0 for a heap buffer). */
  static native long address(ByteBuffer direct);

  /** Up to {@code n} datagrams into slots 0..n-1: how many, 0 when none was queued, -errno on error. */
  static int receive(int fd, Native data, int slot, Native meta, int n) {
    return checked(receive0(fd, data.address, data.capacity, slot, meta.address, meta.capacity, n));
  }

  private static native int receive0(int fd, long data, long dataCapacity, int slot, long meta, long metaCapacity, int n);

  /**
   * Slots first..first+n-1 to the addresses in their meta: how many went, 0 when the socket's
   * buffer is full, -errno when slot {@code first} could not go (-EINVAL: its metadata is unusable).
   */
  static int send(int fd, Native data, int slot, Native meta, int first, int n) {
    return checked(send0(fd, data.address, data.capacity, slot, meta.address, meta.capacity, first, n));
  }

  private static native int send0(int fd, long data, long dataCapacity, int slot, long meta, long metaCapacity, int first,
      int n);

  /** A direct buffer as the calls take it: address and capacity, looked up once. */
  record Native(ByteBuffer buffer, long address, long capacity) {
    static Native of(ByteBuffer direct) {
      long a = UdpBatch.address(direct);
      if (a == 0) {
        throw new IllegalArgumentException("a direct buffer is needed");
      }
      return new Native(direct, a, direct.capacity());
    }
  }

  /**
   * One datagram into data[off, off + max) and its sender into meta slot 0 (family 0: the kernel
   * named none): its length (0: an empty datagram), -errno (-EAGAIN: none queued).
   */
  static int receiveFrom(int fd, Native data, int off, int max, Native meta) {
    return checked(receiveFrom0(fd, data.address, data.capacity, off, max, meta.address, meta.capacity));
  }

  private static native int receiveFrom0(int fd, long data, long dataCapacity, int off, int max, long meta,
      long metaCapacity);

  /** {@code data}'s bytes [off, off + len) to {@code to} through {@code fd}; false if they did not go. */
  static boolean sendTo(int fd, Native data, int off, int len, SockAddr to) {
    // an empty datagram is 0 bytes sent
    return checked(sendTo0(fd, data.address, data.capacity, off, len, to.familyPort, to.hi, to.lo)) >= 0;
  }

  private static native int sendTo0(int fd, long data, long dataCapacity, int off, int len, int familyPort, long hi,
      long lo);

  private static int checked(int result) {
    if (result == BAD_ARGUMENTS) {
      throw new IllegalArgumentException("buffers, slots or counts outside what the native UDP calls accept");
    }
    return result;
  }

  private static boolean load() {
    String arch = System.getProperty("os.arch");
    if (!System.getProperty("os.name", "").equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return false;
    }
    try {
      System.loadLibrary("pqrelay"); // an operator's copy on java.library.path comes first
      return true;
    } catch (UnsatisfiedLinkError e) {
      // not there: the copy inside the jar
    }
    try (InputStream in = UdpBatch.class.getResourceAsStream("native/linux-x86_64/libpqrelay.so")) {
      if (in == null) {
        return false;
      }
      Path tmp = Files.createTempFile("pqrelay", ".so",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        System.load(tmp.toString());
      } finally {
        Files.deleteIfExists(tmp); // mapped by now; nothing stays on disk
      }
      return true;
    } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
      return false;
    }
  }
}
