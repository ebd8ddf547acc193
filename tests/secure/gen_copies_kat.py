#!/usr/bin/env python3
# The known answers of tests/secure/copies_test.cpp (printed; pasted there): pat() is its pattern().
import hashlib, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
def pat(n, seed): return bytes(((i*37 + seed*11 + 5) ^ (i >> 2)) & 0xff for i in range(n))
# 1: chained one-shot SHA-256 digests of pat(len,1), len 0..130
outer = hashlib.sha256()
for n in range(131): outer.update(hashlib.sha256(pat(n,1)).digest())
print("hash_chain", outer.hexdigest())
print("hash300", hashlib.sha256(pat(300,2)).hexdigest())
outer = hashlib.sha256()
key = pat(16,3); nonce = pat(12,4)
g = AESGCM(key)
for n in range(71):
    outer.update(g.encrypt(nonce, pat(n,5), pat(n % 21, 6)))
print("gcm_chain", outer.hexdigest())
outer = hashlib.sha256()
for n in range(1,71):
    outer.update(hmac.new(pat(n,7), pat((n*3) % 97, 8), hashlib.sha256).digest())
print("hmac_chain", outer.hexdigest())
