/*
 * UDP system calls for the relay's event loops (Linux): recvmmsg and sendmmsg on a client
 * listener, recvfrom and sendto on a relayed socket, all on sockets the JDK opened, into and out
 * of direct buffers the caller owns. Nothing is allocated, nothing is kept between calls,
 * nothing is logged. (The JDK's own calls take two locks and re-encode the address per datagram.)
 *
 * Buffers are passed as address and capacity (from UdpBatch.address, once per buffer); every
 * access is checked against the capacity. Slot i of the data buffer is bytes [i * slot, (i + 1) * slot). Its metadata is 32 bytes at
 * i * 32 of the meta buffer, in the platform's byte order:
 *   0  int    length of the datagram
 *   4  short  address family: 4 or 6
 *   6  short  port (host order)
 *   8  byte[16] address (IPv4 in the first 4 bytes)
 *   24 int    send: offset of the datagram in its slot; receive: 0
 *   28 int    receive: 1 when the datagram did not fit its slot (truncated); send: 0
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

typedef union {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} address;

static void put_meta(uint8_t *m, int length, const address *a, int truncated) {
  int32_t len = length, zero = 0, trunc = truncated;
  int16_t family = 0;
  uint16_t port = 0;
  memset(m + 8, 0, 16);
  if (a->sa.sa_family == AF_INET) {
    family = 4;
    port = ntohs(a->v4.sin_port);
    memcpy(m + 8, &a->v4.sin_addr, 4);
  } else if (a->sa.sa_family == AF_INET6) {
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

/* A direct buffer's address, taken once (the JNI buffer calls cost more than the system call wrappers). */
JNIEXPORT jlong JNICALL Java_org_pqsip_relay_net_UdpBatch_address(JNIEnv *env, jclass cls, jobject buffer) {
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

/* The socket's file descriptor: the JDK's DatagramChannelImpl keeps it in an int field fdVal. */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_fd(JNIEnv *env, jclass cls, jobject channel) {
  jclass c = (*env)->GetObjectClass(env, channel);
  jfieldID f = (*env)->GetFieldID(env, c, "fdVal", "I");
  if (f == NULL) {
    (*env)->ExceptionClear(env);
    return -1;
  }
  return (*env)->GetIntField(env, channel, f);
}

/* recvmmsg: up to n datagrams; returns how many, 0 when none is queued, -errno on error. */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_receive(JNIEnv *env, jclass cls, jint fd, jlong data,
                                                                jlong dcap, jint slot, jlong meta, jlong mcap, jint n) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  uint8_t *m = (uint8_t *) (intptr_t) meta;
  if (d == NULL || m == NULL || slot <= 0 || n <= 0 || n > MAX_BATCH || (jlong) slot * n > dcap || (jlong) META * n > mcap) {
    return -EINVAL;
  }
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  address from[MAX_BATCH];
  for (int i = 0; i < n; i++) {
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
    put_meta(m + (size_t) i * META, msgs[i].msg_len, &from[i], (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0);
  }
  return r;
}

/*
 * sendmmsg: datagrams first..first+n-1; returns how many went (from first), 0 when the socket's
 * buffer is full, -errno when the first of them failed (the caller skips it and goes on).
 */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_send(JNIEnv *env, jclass cls, jint fd, jlong data, jlong dcap,
                                                             jint slot, jlong meta, jlong mcap, jint first, jint n) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  uint8_t *m = (uint8_t *) (intptr_t) meta;
  if (d == NULL || m == NULL || slot <= 0 || first < 0 || n <= 0 || n > MAX_BATCH || (jlong) slot * (first + n) > dcap
      || (jlong) META * (first + n) > mcap) {
    return -EINVAL;
  }
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  address to[MAX_BATCH];
  for (int i = 0; i < n; i++) {
    const uint8_t *mi = m + (size_t) (first + i) * META;
    int32_t len, off;
    memcpy(&len, mi, 4);
    memcpy(&off, mi + 24, 4);
    socklen_t alen = get_meta(mi, &to[i]);
    if (len < 0 || off < 0 || (jlong) off + len > slot || alen == 0) {
      if (i == 0) {
        return -EINVAL; // the caller skips this one
      }
      n = i; // send those before it; the next call starts at the bad one
      break;
    }
    set_msg(&msgs[i], &iov[i], d + (size_t) (first + i) * slot + off, len, &to[i], alen);
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
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_receiveFrom(JNIEnv *env, jclass cls, jint fd, jlong data,
                                                                    jlong dcap, jint off, jint max, jlong meta,
                                                                    jlong mcap) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  uint8_t *m = (uint8_t *) (intptr_t) meta;
  if (d == NULL || m == NULL || off < 0 || max <= 0 || (jlong) off + max > dcap || mcap < META) {
    return -EINVAL;
  }
  address from;
  socklen_t alen = sizeof(from);
  ssize_t r;
  do {
    r = recvfrom(fd, d + off, max, MSG_DONTWAIT | MSG_TRUNC, &from.sa, &alen);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    return -errno; // -EAGAIN (== -EWOULDBLOCK here) when there is nothing to do now
  }
  put_meta(m, r > max ? max : (int) r, &from, r > max);
  return r > max ? max : (int) r;
}

/* sendto: data[off, off + len) to the address given as meta's bytes 4..23 (family and port, address).
 * Bytes sent, -EAGAIN when the socket's buffer is full, -errno on error. */
JNIEXPORT jint JNICALL Java_org_pqsip_relay_net_UdpBatch_sendTo(JNIEnv *env, jclass cls, jint fd, jlong data, jlong dcap,
                                                               jint off, jint len, jint family_port, jlong hi, jlong lo) {
  uint8_t *d = (uint8_t *) (intptr_t) data;
  if (d == NULL || off < 0 || len < 0 || (jlong) off + len > dcap) {
    return -EINVAL;
  }
  uint8_t m[META];
  int32_t fp = family_port;
  int64_t h = hi, l = lo;
  memcpy(m + 4, &fp, 4);
  memcpy(m + 8, &h, 8);
  memcpy(m + 16, &l, 8);
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
