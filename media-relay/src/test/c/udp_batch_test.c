/*
 * The relay's JNI UDP calls (src/main/c/udp_batch.c) on real sockets, without a JVM, built with
 * AddressSanitizer and UndefinedBehaviorSanitizer (media-relay/pom.xml, test phase). A failed check
 * prints its line and exits 1; a sanitizer report aborts the run. Each case names what it attacks.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <jni.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define META 32
#define BAD_ARGUMENTS INT32_MIN

jlong Java_org_pqsip_relay_net_UdpBatch_address(JNIEnv *, jclass, jobject);
jint Java_org_pqsip_relay_net_UdpBatch_fd0(JNIEnv *, jclass, jobject, jint, jlong, jlong);
jint Java_org_pqsip_relay_net_UdpBatch_receive0(JNIEnv *, jclass, jint, jlong, jlong, jint, jlong, jlong, jint);
jint Java_org_pqsip_relay_net_UdpBatch_send0(JNIEnv *, jclass, jint, jlong, jlong, jint, jlong, jlong, jint, jint);
jint Java_org_pqsip_relay_net_UdpBatch_receiveFrom0(JNIEnv *, jclass, jint, jlong, jlong, jint, jint, jlong, jlong);
jint Java_org_pqsip_relay_net_UdpBatch_sendTo0(JNIEnv *, jclass, jint, jlong, jlong, jint, jint, jint, jlong, jlong);

#define receive0 Java_org_pqsip_relay_net_UdpBatch_receive0
#define send0 Java_org_pqsip_relay_net_UdpBatch_send0
#define receive_from0 Java_org_pqsip_relay_net_UdpBatch_receiveFrom0
#define send_to0 Java_org_pqsip_relay_net_UdpBatch_sendTo0
#define fd0 Java_org_pqsip_relay_net_UdpBatch_fd0
#define P(ptr) ((jlong) (intptr_t) (ptr))

static int failures;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "udp_batch_test:%d: %s\n", __LINE__, #cond);    \
      failures++;                                                     \
    }                                                                 \
  } while (0)

/* A JNIEnv with just what fd0 calls: the "channel" is a pointer to the int its field holds. */
static int field_missing;
static jclass get_object_class(JNIEnv *env, jobject obj) { (void) env; return (jclass) obj; }
static jfieldID get_field_id(JNIEnv *env, jclass c, const char *name, const char *sig) {
  (void) env; (void) c;
  return field_missing || strcmp(name, "fdVal") != 0 || strcmp(sig, "I") != 0 ? NULL : (jfieldID) 1;
}
static jint get_int_field(JNIEnv *env, jobject obj, jfieldID f) { (void) env; (void) f; return *(int *) obj; }
static void exception_clear(JNIEnv *env) { (void) env; }
static struct JNINativeInterface_ functions;
static JNIEnv jni = &functions;

static int16_t meta_family(const uint8_t *m) { int16_t f; memcpy(&f, m + 4, 2); return f; }
static uint16_t meta_port(const uint8_t *m) { uint16_t p; memcpy(&p, m + 6, 2); return p; }
static int32_t meta_int(const uint8_t *m, int at) { int32_t v; memcpy(&v, m + at, 4); return v; }

/* Meta slot for an IPv4 destination, as the Java side writes it. */
static void put_v4(uint8_t *m, int32_t len, uint16_t port, const char *ip, int32_t off) {
  memset(m, 0, META);
  int16_t family = 4;
  memcpy(m, &len, 4);
  memcpy(m + 4, &family, 2);
  memcpy(m + 6, &port, 2);
  inet_pton(AF_INET, ip, m + 8);
  memcpy(m + 24, &off, 4);
}

/* The (family, port, address) words of a meta slot, as fd0 takes them. */
static void words(const uint8_t *m, jint *family_port, jlong *hi, jlong *lo) {
  memcpy(family_port, m + 4, 4);
  memcpy(hi, m + 8, 8);
  memcpy(lo, m + 16, 8);
}

static int udp4(uint16_t *port) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof(a);
  if (s < 0 || bind(s, (struct sockaddr *) &a, sizeof(a)) != 0 || getsockname(s, (struct sockaddr *) &a, &l) != 0) {
    perror("udp socket on 127.0.0.1");
    exit(2);
  }
  *port = ntohs(a.sin_port);
  return s;
}

/* A batch of three leaves with one sendmmsg and arrives with one recvmmsg, senders and lengths intact. */
static void batch_round_trip(void) {
  uint16_t pa, pb;
  int a = udp4(&pa), b = udp4(&pb);
  static uint8_t out[3 * 64], meta[3 * META], in[4 * 128], inmeta[4 * META];
  for (int i = 0; i < 3; i++) {
    memset(out + i * 64 + 4, 'a' + i, 10 + i);
    put_v4(meta + i * META, 10 + i, pb, "127.0.0.1", 4);
  }
  CHECK(send0(&jni, NULL, a, P(out), sizeof(out), 64, P(meta), sizeof(meta), 0, 3) == 3);
  int got = 0;
  for (int tries = 0; tries < 1000 && got < 3; tries++) {
    int r = receive0(&jni, NULL, b, P(in) + (jlong) got * 128, sizeof(in) - got * 128, 128, P(inmeta) + got * META,
                     sizeof(inmeta) - got * META, 4 - got);
    CHECK(r >= 0);
    got += r > 0 ? r : 0;
  }
  CHECK(got == 3);
  for (int i = 0; i < got; i++) {
    const uint8_t *m = inmeta + i * META;
    CHECK(meta_int(m, 0) == 10 + i);
    CHECK(meta_family(m) == 4);
    CHECK(meta_port(m) == pa);
    CHECK(memcmp(m + 8, "\x7f\0\0\x01", 4) == 0);
    CHECK(meta_int(m, 28) == 0);
    CHECK(in[i * 128] == 'a' + i && in[i * 128 + 9 + i] == 'a' + i);
  }
  CHECK(receive0(&jni, NULL, b, P(in), sizeof(in), 128, P(inmeta), sizeof(inmeta), 4) == 0); // nothing queued
  close(a);
  close(b);
}

/* A datagram larger than its slot is cut to the slot and flagged, never written past it. */
static void truncation_is_flagged(void) {
  uint16_t pa, pb;
  int a = udp4(&pa), b = udp4(&pb);
  static uint8_t out[300], meta[META], in[32], inmeta[META];
  put_v4(meta, 300, pb, "127.0.0.1", 0);
  CHECK(send0(&jni, NULL, a, P(out), sizeof(out), 300, P(meta), sizeof(meta), 0, 1) == 1);
  int r = 0;
  for (int tries = 0; tries < 1000 && r == 0; tries++) {
    r = receive0(&jni, NULL, b, P(in), sizeof(in), sizeof(in), P(inmeta), sizeof(inmeta), 1);
  }
  CHECK(r == 1);
  CHECK(meta_int(inmeta, 0) == 32);
  CHECK(meta_int(inmeta, 28) == 1);
  CHECK(send_to0(&jni, NULL, a, P(out), sizeof(out), 0, 300, meta_int(meta, 4), 0x0100007f, 0) == 300);
  uint8_t small[16];
  r = -EAGAIN;
  for (int tries = 0; tries < 1000 && r == -EAGAIN; tries++) {
    r = receive_from0(&jni, NULL, b, P(small), sizeof(small), 4, 12, P(inmeta), sizeof(inmeta));
  }
  CHECK(r == 12);
  CHECK(meta_int(inmeta, 28) == 1);
  CHECK(meta_port(inmeta) == pa);
  close(a);
  close(b);
}

/* Wrong arguments are told apart from a refused datagram, including first + n past INT_MAX. */
static void bad_arguments_are_not_errno(void) {
  uint16_t p;
  int s = udp4(&p);
  static uint8_t data[64 * 64], meta[64 * META];
  // first + n overflows an int: the sum, done in 32 bits, would be negative and pass a bounds check
  CHECK(send0(&jni, NULL, s, P(data), sizeof(data), 64, P(meta), sizeof(meta), INT32_MAX - 1, 2) == BAD_ARGUMENTS);
  CHECK(send0(&jni, NULL, s, P(data), sizeof(data), 1, P(meta), sizeof(meta), INT32_MAX, 64) == BAD_ARGUMENTS);
  CHECK(send0(&jni, NULL, s, P(data), sizeof(data), 64, P(meta), sizeof(meta), 63, 2) == BAD_ARGUMENTS);
  CHECK(send0(&jni, NULL, s, P(data), sizeof(data), 64, P(meta), sizeof(meta), -1, 1) == BAD_ARGUMENTS);
  CHECK(send0(&jni, NULL, s, 0, sizeof(data), 64, P(meta), sizeof(meta), 0, 1) == BAD_ARGUMENTS);
  CHECK(send0(&jni, NULL, s, P(data), sizeof(data), 64, P(meta), sizeof(meta), 0, 65) == BAD_ARGUMENTS);
  CHECK(receive0(&jni, NULL, s, P(data), sizeof(data), 64, P(meta), sizeof(meta), 0) == BAD_ARGUMENTS);
  CHECK(receive0(&jni, NULL, s, P(data), sizeof(data), 0, P(meta), sizeof(meta), 1) == BAD_ARGUMENTS);
  CHECK(receive0(&jni, NULL, s, P(data), sizeof(data), INT32_MAX, P(meta), sizeof(meta), 64) == BAD_ARGUMENTS);
  CHECK(receive0(&jni, NULL, s, P(data), sizeof(data), 64, P(meta), META, 2) == BAD_ARGUMENTS);
  CHECK(receive_from0(&jni, NULL, s, P(data), sizeof(data), INT32_MAX, 2, P(meta), META) == BAD_ARGUMENTS);
  CHECK(receive_from0(&jni, NULL, s, P(data), sizeof(data), 0, 16, P(meta), META - 1) == BAD_ARGUMENTS);
  CHECK(send_to0(&jni, NULL, s, P(data), sizeof(data), INT32_MAX, 2, 0, 0, 0) == BAD_ARGUMENTS);
  CHECK(send_to0(&jni, NULL, s, P(data), sizeof(data), 0, -1, 0, 0, 0) == BAD_ARGUMENTS);
  close(s);
}

/* A datagram whose metadata cannot go is -EINVAL (skip it); those before it in the batch still go. */
static void unusable_slot_is_skipped(void) {
  uint16_t pa, pb;
  int a = udp4(&pa), b = udp4(&pb);
  static uint8_t data[3 * 64], meta[3 * META];
  put_v4(meta, 8, pb, "127.0.0.1", 0);
  put_v4(meta + META, 8, pb, "127.0.0.1", 0);
  memset(meta + META + 4, 0, 2); // family 0
  put_v4(meta + 2 * META, 60, pb, "127.0.0.1", 8); // 8 + 60 > 64: past its slot
  CHECK(send0(&jni, NULL, a, P(data), sizeof(data), 64, P(meta), sizeof(meta), 0, 3) == 1);
  CHECK(send0(&jni, NULL, a, P(data), sizeof(data), 64, P(meta), sizeof(meta), 1, 2) == -EINVAL);
  CHECK(send0(&jni, NULL, a, P(data), sizeof(data), 64, P(meta), sizeof(meta), 2, 1) == -EINVAL);
  CHECK(send_to0(&jni, NULL, a, P(data), sizeof(data), 0, 8, 0, 0, 0) == -EINVAL);
  close(a);
  close(b);
}

/* A datagram with no sender address (an unnamed socket) reads as family 0, never as stale stack bytes. */
static void no_sender_address_is_family_zero(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) {
    perror("socketpair");
    exit(2);
  }
  static uint8_t in[2 * 64], meta[2 * META];
  CHECK(write(sv[0], "hello", 5) == 5);
  CHECK(write(sv[0], "again", 5) == 5);
  memset(meta, 0xaa, sizeof(meta));
  CHECK(receive0(&jni, NULL, sv[1], P(in), 64, 64, P(meta), META, 1) == 1);
  CHECK(meta_int(meta, 0) == 5);
  CHECK(meta_family(meta) == 0);
  CHECK(meta_port(meta) == 0);
  memset(meta, 0xaa, sizeof(meta));
  CHECK(receive_from0(&jni, NULL, sv[1], P(in), sizeof(in), 0, 64, P(meta), META) == 5);
  CHECK(meta_family(meta) == 0);
  CHECK(meta_int(meta, 8) == 0);
  CHECK(receive_from0(&jni, NULL, sv[1], P(in), sizeof(in), 0, 64, P(meta), META) == -EAGAIN);
  close(sv[0]);
  close(sv[1]);
}

/* The descriptor read from the JDK's private field is used only if it is that channel's own socket. */
static void descriptor_is_verified(void) {
  uint16_t p;
  int s = udp4(&p);
  uint8_t m[META];
  put_v4(m, 0, p, "127.0.0.1", 0);
  jint fp;
  jlong hi, lo;
  words(m, &fp, &hi, &lo);
  int field = s;
  CHECK(fd0(&jni, NULL, (jobject) &field, fp, hi, lo) == s);
  put_v4(m, 0, (uint16_t) (p + 1), "127.0.0.1", 0);
  words(m, &fp, &hi, &lo);
  CHECK(fd0(&jni, NULL, (jobject) &field, fp, hi, lo) == -1); // another port: not this channel
  put_v4(m, 0, p, "127.0.0.1", 0);
  words(m, &fp, &hi, &lo);
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  field = tcp;
  CHECK(fd0(&jni, NULL, (jobject) &field, fp, hi, lo) == -1); // not a datagram socket
  close(tcp);
  CHECK(fd0(&jni, NULL, (jobject) &field, fp, hi, lo) == -1); // closed
  field = -1;
  CHECK(fd0(&jni, NULL, (jobject) &field, fp, hi, lo) == -1);
  field = s;
  field_missing = 1;
  CHECK(fd0(&jni, NULL, (jobject) &field, fp, hi, lo) == -1); // a JDK without the field
  field_missing = 0;
  close(s);
}

int main(void) {
  functions.GetObjectClass = get_object_class;
  functions.GetFieldID = get_field_id;
  functions.GetIntField = get_int_field;
  functions.ExceptionClear = exception_clear;
  batch_round_trip();
  truncation_is_flagged();
  bad_arguments_are_not_errno();
  unusable_slot_is_skipped();
  no_sender_address_is_family_zero();
  descriptor_is_verified();
  if (failures > 0) {
    fprintf(stderr, "udp_batch_test: %d check(s) failed\n", failures);
    return 1;
  }
  printf("udp_batch_test: all checks passed (AddressSanitizer, UndefinedBehaviorSanitizer)\n");
  return 0;
}
