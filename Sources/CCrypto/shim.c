#include "CCrypto.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static const unsigned char empty[1] = {0};

int vigil_sha256(const void *data, size_t len, uint8_t *out32) {
    unsigned int n = 0;
    if (EVP_Digest(data ? data : empty, len, out32, &n, EVP_sha256(), NULL) != 1 || n != 32) return -1;
    return 0;
}

int vigil_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t *out32) {
    unsigned int n = 0;
    if (keylen > INT_MAX) return -1;
    if (HMAC(EVP_sha256(), key ? key : empty, (int)keylen, data ? data : empty, len, out32, &n) == NULL || n != 32) return -1;
    return 0;
}
