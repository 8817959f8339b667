#!/usr/bin/env python3
"""Independent reference of the pqkem v1 transcript, key schedule and SAS (docs/PROTOCOL.md §4-5).

Standard library only. It recomputes Appendix A.1-A.3 from their published inputs and prints
them; the Java implementation's KeyScheduleVectorTest asserts the same values. The KEM itself
(ML-KEM-1024, X25519) is not reimplemented here: A.3 starts from a fixed IKM.

    python3 docs/reference/keyschedule.py
"""
import hashlib
import hmac
import struct

H = hashlib.sha384


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, H).digest()


def hkdf_expand(prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), H).digest()
        out += t
        i += 1
    return out[:length]


def mac(key, length, *parts):
    return hmac.new(key, b"".join(parts), H).digest()[:length]


def field(b):
    return struct.pack(">I", len(b)) + b


def fill(n, mul, add):
    return bytes((i * mul + add) % 251 for i in range(n))


def commitment(nonce):
    return H(b"pqsip-v1 commit" + nonce).digest()[:32]


def transcript(alg, offer_blob, dev_o, commit, suites, answer_blob, dev_a, suite,
               chain_offer=None, chain_answer=None):
    data = b"pqsip-v1 transcript"
    for f in [b"1", alg, offer_blob, dev_o, commit, suites, answer_blob, dev_a, suite]:
        data += field(f)
    if chain_offer is not None:
        data += field(b"chain-offer") + field(chain_offer)
    if chain_answer is not None:
        data += field(b"chain-answer") + field(chain_answer)
    return H(data).digest()


B32 = "ybndrfg8ejkmcpqxot1uwisza345h769"


def sas(sas_hash):
    bits = (sas_hash[0] << 12) | (sas_hash[1] << 4) | (sas_hash[2] >> 4)
    return "".join(B32[(bits >> (15 - 5 * i)) & 31] for i in range(4))


def main():
    nonce = bytes([0x11]) * 32
    commit = commitment(nonce)
    print("A.1 commit     ", commit.hex())
    th = transcript(b"mlkem1024-x25519", fill(1600, 1, 0), bytes([1]) * 16, commit,
                    b"AEAD_AES_256_GCM,AES_256_CM_HMAC_SHA1_80", fill(1600, 3, 7),
                    bytes([2]) * 16, b"AEAD_AES_256_GCM")
    print("A.2 th         ", th.hex())
    prk = hkdf_extract(th, fill(128, 1, 0))
    print("A.3 PRK        ", prk.hex())
    print("A.3 confirm    ", hkdf_expand(prk, b"pqsip-v1 confirm answerer", 32).hex())
    k_sas = hkdf_expand(prk, b"pqsip-v1 sas", 48)
    print("A.3 SAS        ", sas(mac(k_sas, 48, nonce)))
    print("A.3 rs'        ", hkdf_expand(prk, b"pqsip-v1 retained secret", 32).hex())
    for m, role in [(0, "offerer"), (0, "answerer"), (1, "offerer")]:
        km = hkdf_expand(prk, f"pqsip-v1 srtp AEAD_AES_256_GCM m{m} {role}".encode(), 44)
        print(f"A.3 m{m} {role:8} key", km[:32].hex(), "salt", km[32:].hex())
    rs = bytes([0x22]) * 32
    print("A.3 rs proof   ", mac(rs, 16, b"pqsip-v1 rs proof answerer", th).hex())
    body = bytes([1, 0]) + nonce + bytes(32)
    k_co = hkdf_expand(prk, b"pqsip-v1 confirm offerer", 48)
    print("A.3 reveal     ", (body + mac(k_co, 16, b"pqsip-v1 reveal", th, body)).hex())

    # A.6: a rekey chained to the A.3 exchange (docs/PROTOCOL.md §6.1)
    k_chain = hkdf_expand(prk, b"pqsip-v1 chain", 48)
    chain_id = hkdf_expand(prk, b"pqsip-v1 chain id", 16)
    print("A.6 chain-id   ", chain_id.hex())
    print("A.6 K_chain    ", k_chain.hex())
    th2 = transcript(b"mlkem1024-x25519", fill(1600, 5, 1), bytes([1]) * 16, commit,
                     b"AEAD_AES_256_GCM,AES_256_CM_HMAC_SHA1_80", fill(1600, 7, 2),
                     bytes([2]) * 16, b"AEAD_AES_256_GCM", chain_id, chain_id)
    print("A.6 th         ", th2.hex())
    prk2 = hkdf_extract(th2, fill(128, 1, 0) + k_chain)
    print("A.6 PRK        ", prk2.hex())
    print("A.6 confirm    ", hkdf_expand(prk2, b"pqsip-v1 confirm answerer", 32).hex())


if __name__ == "__main__":
    main()
