#ifndef VIGIL_CCRYPTO_H
#define VIGIL_CCRYPTO_H

#include <stddef.h>
#include <stdint.h>

/// SHA-256 of `len` bytes at `data` (may be NULL when `len` is 0) into
/// `out32` (32 bytes). Returns 0 on success, -1 if libcrypto failed.
int vigil_sha256(const void *data, size_t len, uint8_t *out32);

/// HMAC-SHA256 (RFC 2104) of `len` bytes at `data` under the `keylen`-byte
/// key at `key` into `out32` (32 bytes). Either pointer may be NULL when its
/// length is 0. Returns 0 on success, -1 if libcrypto failed or the key is
/// longer than INT_MAX bytes.
int vigil_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t *out32);

#endif
