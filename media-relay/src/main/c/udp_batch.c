/*
 * UDP system calls for the relay's event loops (Linux): recvmmsg and sendmmsg on a client
 * listener, recvfrom and sendto on a relayed socket, all on sockets the JDK opened, into and out
 * of direct buffers the caller owns. Nothing is allocated, nothing is kept between calls,
 * nothing is logged. (The JDK's own calls take two locks and re-encode the address per datagram.)
 *
 * Buffers are passed as address and capacity (from UdpBatch.address, once per buffer); every
 * access is checked against the capacity, in 64-bit arithmetic (no int overflows). Slot i of the
 * data buffer is bytes [i * slot, (i + 1) * slot). Its metadata is 32 bytes at i * 32 of the meta
 * buffer, in the platform's byte order:
 *   0  int    length of the datagram
 *   4  short  address family: 4 or 6; 0 when the kernel gave no sender address of either family
 *   6  short  port (host order)
 *   8  byte[16] address (IPv4 in the first 4 bytes)
 *   24 int    send: offset of the datagram in its slot; receive: 0
 *   28 int    receive: 1 when the datagram did not fit its slot (truncated); send: 0
 *
 * Results: a count or a length (>= 0); -errno when the kernel refused (for a send: the datagram
 * at hand, which the caller skips, as it skips one whose metadata is unusable: -EINVAL); and
 * BAD_ARGUMENTS, which no errno can be, when the arguments themselves are wrong (a caller bug:
 * the Java side throws).
 *
 * Built with -Wall -Wextra -Werror and hardening flags (see the relay's pom.xml); the native test
 * (src/test/c) runs these functions under AddressSanitizer and UndefinedBehaviorSanitizer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jni.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_BATCH 64
#define META 32
#define BAD_ARGUMENTS INT32_MIN
#define UNUSED __attribute__((unused))

typedef union {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} address;

/* Writes a received datagram's metadata; a sender the kernel did not give in full is family 0. */
static void put_meta(uint8_t *m, int length, const address *a, socklen_t alen, int truncated) {
  int32_t len = length, zero = 0, trunc = truncated;
  int16_t family = 0;
  uint16_t port = 0;
  memset(m + 8, 0, 16);
  if (alen >= sizeof(a->v4) && a->sa.sa_family == AF_INET) {
    family = 4;
    port = ntohs(a->v4.sin_port);
    memcpy(m + 8, &a->v4.sin_addr, 4);
  } else if (alen >= sizeof(a->v6) && a->sa.sa_family == AF_INET6) {
    family = 6;
    port = ntohs(a->v6.sin6_port);
    memcpy(m + 8, &a->v6.sin6_addr, 16);
  }
  memcpy(m, &len, 4);
  memcpy(m + 4, &family, 2);
  memcpy(m + 6, &port, 2);
  memcpy(m + 24, &zero, 4);
  memcpy(m + 28, &trunc, 4);
}

/* Fills *a from meta; returns the sockaddr length, or 0 for an unknown family. */
static socklen_t get_meta(const uint8_t *m, address *a) {
  int16_t family;
  uint16_t port;
  memcpy(&family, m + 4, 2);
  memcpy(&port, m + 6, 2);
  memset(a, 0, sizeof(*a));
  if (family == 4) {
    a->v4.sin_family = AF_INET;
    a->v4.sin_port = htons(port);
    memcpy(&a->v4.sin_addr, m + 8, 4);
    return sizeof(a->v4);
  }
  if (family == 6) {
    a->v6.sin6_family = AF_INET6;
    a->v6.sin6_port = htons(port);
    memcpy(&a->v6.sin6_addr, m + 8, 16);
    return sizeof(a->v6);
  }
  return 0;
}

/* Bytes 4..23 of a meta slot from the three words the Java side holds an address in (SockAddr). */
static void put_words(uint8_t *m, jint family_port, jlong hi, jlong lo) {
  int32_t fp = family_port;
  int64_t h = hi, l = lo;
  memset(m, 0, META);
  memcpy(m + 4, &fp, 4);
  memcpy(m + 8, &h, 8);
  memcpy(m + 16, &l, 8);
}

/* Slots [first, first + n) of size slot fit a data buffer of dcap bytes and a meta buffer of mcap. */
static int slots_fit(jlong dcap, jint slot, jlong mcap, jint first, jint n) {
  int64_t end = (int64_t) first + n;
  return slot > 0 && first >= 0 && n > 0 && n <= MAX_BATCH && (int64_t) slot * end <= dcap && (int64_t) META * end <= mcap;
}

/* A direct buffer's address, taken once (the JNI buffer calls cost more than the system call wrappers). */
JNIEXPORT jlong JNICALL Java_org_pqsip_relay_net_UdpBatch_address(JNIEnv *env, UNUSED jclass cls, jobject buffer) {
  return (jlong) (intptr_t) (*env)->GetDirectBufferAddress(env, buffer);
}

/* One message of a recvmmsg/sendmmsg batch: one buffer, one address. */
static void set_msg(struct mmsghdr *msg, struct iovec *iov, uint8_t *base, size_t len, address *a, socklen_t alen) {
  iov->iov_base = base;
  iov->iov_len = len;
  memset(msg, 0, sizeof(*msg));
  msg->msg_hdr.msg_iov = iov;
  msg->msg_hdr.msg_iovlen = 1;
  msg->msg_hdr.msg_name = a;
  msg->msg_hdr.msg_namelen = alen;
}

/*
 * The channel's file descriptor, or -1. The JDK has no public way to it: DatagramChannelImpl
 * keeps it in a private int field fdVal. That field is only a hint: the descriptor is used only if
 * it is a datagram socket bound to exactly the channel's local address (family_port, hi, lo as in
 * a meta slot), so a JDK that keeps something else there makes the relay fall back to the JDK's
 * own calls instead of writing to a stranger's descriptor.
 */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_fd0(JNIEnv *env, UNUSED jclass cls, jobject channel,
                                                            jint family_port, jlong hi, jlong lo) {
  jclass c = (*env)->GetObjectClass(env, channel);
  jfieldID f = c == NULL ? NULL : (*env)->GetFieldID(env, c, "fdVal", "I");
  if (f == NULL) {
    (*env)->ExceptionClear(env);
    return -1;
  }
  jint fd = (*env)->GetIntField(env, channel, f);
  int type = 0;
  socklen_t tlen = sizeof(type);
  if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_DGRAM) {
    return -1;
  }
  address bound;
  socklen_t blen = sizeof(bound);
  memset(&bound, 0, sizeof(bound));
  if (getsockname(fd, &bound.sa, &blen) != 0) {
    return -1;
  }
  uint8_t got[META], want[META];
  put_meta(got, 0, &bound, blen, 0);
  put_words(want, family_port, hi, lo);
  int16_t family;
  memcpy(&family, got + 4, 2);
  return family != 0 && memcmp(got + 4, want + 4, 20) == 0 ? fd : -1;
}

/* recvmmsg: up to n datagrams; returns how many, 0 when none is queued, -errno on error. */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_receive0(UNUSED JNIEnv *env, UNUSED jclass cls, jint fd, jlong data,
                                                                 jlong dcap, jint slot, jlong meta, jlong mcap, jint n) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  uint8_t *m = (uint8_t *) (intptr_t) meta;
  if (d == NULL || m == NULL || !slots_fit(dcap, slot, mcap, 0, n)) {
    return BAD_ARGUMENTS;
  }
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  address from[MAX_BATCH];
  for (int i = 0; i < n; i++) {
    memset(&from[i], 0, sizeof(from[i]));
    set_msg(&msgs[i], &iov[i], d + (size_t) i * slot, slot, &from[i], sizeof(address));
  }
  int r;
  do {
    r = recvmmsg(fd, msgs, n, MSG_DONTWAIT, NULL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  }
  for (int i = 0; i < r; i++) {
    put_meta(m + (size_t) i * META, msgs[i].msg_len, &from[i], msgs[i].msg_hdr.msg_namelen,
             (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
  }
  return r;
}

/*
 * sendmmsg: datagrams first..first+n-1; returns how many went (from first), 0 when the socket's
 * buffer is full, -errno when the first of them could not go (refused by the kernel, or -EINVAL
 * for unusable metadata): the caller skips that one and goes on.
 */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_send0(UNUSED JNIEnv *env, UNUSED jclass cls, jint fd, jlong data,
                                                              jlong dcap, jint slot, jlong meta, jlong mcap, jint first,
                                                              jint n) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  uint8_t *m = (uint8_t *) (intptr_t) meta;
  if (d == NULL || m == NULL || !slots_fit(dcap, slot, mcap, first, n)) {
    return BAD_ARGUMENTS;
  }
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  address to[MAX_BATCH];
  for (int i = 0; i < n; i++) {
    size_t k = (size_t) first + (size_t) i;
    const uint8_t *mi = m + k * META;
    int32_t len, off;
    memcpy(&len, mi, 4);
    memcpy(&off, mi + 24, 4);
    socklen_t alen = get_meta(mi, &to[i]);
    if (len < 0 || off < 0 || (int64_t) off + len > slot || alen == 0) {
      if (i == 0) {
        return -EINVAL; // this datagram cannot go: the caller skips it
      }
      n = i; // send those before it; the next call starts at the bad one
      break;
    }
    set_msg(&msgs[i], &iov[i], d + k * slot + off, len, &to[i], alen);
  }
  int r;
  do {
    r = sendmmsg(fd, msgs, n, MSG_DONTWAIT);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? 0 : -errno;
  }
  return r;
}

/* recvfrom: one datagram into data[off, off + max); its sender into meta slot 0. Its length (0 is an
 * empty datagram), -EAGAIN when none is queued, -errno on error. */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_receiveFrom0(UNUSED JNIEnv *env, UNUSED jclass cls, jint fd,
                                                                     jlong data, jlong dcap, jint off, jint max,
                                                                     jlong meta, jlong mcap) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  uint8_t *m = (uint8_t *) (intptr_t) meta;
  if (d == NULL || m == NULL || off < 0 || max <= 0 || (int64_t) off + max > dcap || mcap < META) {
    return BAD_ARGUMENTS;
  }
  address from;
  memset(&from, 0, sizeof(from));
  socklen_t alen = sizeof(from);
  ssize_t r;
  do {
    r = recvfrom(fd, d + off, max, MSG_DONTWAIT | MSG_TRUNC, &from.sa, &alen);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return -errno; // -EAGAIN (== -EWOULDBLOCK here) when there is nothing to do now
  }
  int len = r > max ? max : (int) r;
  put_meta(m, len, &from, alen, r > max);
  return len;
}

/* sendto: data[off, off + len) to the address given as meta's bytes 4..23 (family and port, address).
 * Bytes sent, -EAGAIN when the socket's buffer is full, -EINVAL for an address of no known family,
 * -errno when the kernel refused. */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_sendTo0(UNUSED JNIEnv *env, UNUSED jclass cls, jint fd, jlong data,
                                                                jlong dcap, jint off, jint len, jint family_port, jlong hi,
                                                                jlong lo) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  if (d == NULL || off < 0 || len < 0 || (int64_t) off + len > dcap) {
    return BAD_ARGUMENTS;
  }
  uint8_t m[META];
  put_words(m, family_port, hi, lo);
  address to;
  socklen_t alen = get_meta(m, &to);
  if (alen == 0) {
    return -EINVAL;
  }
  ssize_t r;
  do {
    r = sendto(fd, d + off, len, MSG_DONTWAIT, &to.sa, alen);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return -errno; // -EAGAIN (== -EWOULDBLOCK here) when there is nothing to do now
  }
  return (jint) r;
}
