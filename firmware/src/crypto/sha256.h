/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104, FIPS 198-1), for the model file's feature-spec
 * hash and authentication tag (docs/model-format.md §2.2, §2.7). Streaming, no heap; the context
 * is about 100 bytes.
 */
#ifndef CRYPTO_SHA256_H
#define CRYPTO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32u
#define SHA256_BLOCK_LEN 64u

typedef struct {
    uint32_t h[8];
    uint64_t bits;                   /* message length so far */
    uint8_t block[SHA256_BLOCK_LEN]; /* partial block */
    size_t fill;
} sha256_t;

void sha256_init(sha256_t *s);
void sha256_update(sha256_t *s, const uint8_t *data, size_t len);
void sha256_final(sha256_t *s, uint8_t digest[SHA256_DIGEST_LEN]);
void sha256(const uint8_t *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN]);

/* Streaming HMAC-SHA256 (the SECURE tag covers fields that are not contiguous in the frame). */
typedef struct {
    sha256_t s;
    uint8_t okey[SHA256_BLOCK_LEN]; /* key ^ opad, for the outer hash */
} hmac_sha256_t;

void hmac_sha256_init(hmac_sha256_t *h, const uint8_t *key, size_t key_len);
void hmac_sha256_update(hmac_sha256_t *h, const uint8_t *data, size_t len);
void hmac_sha256_final(hmac_sha256_t *h, uint8_t tag[SHA256_DIGEST_LEN]);

/* HMAC-SHA256 with a key of any length (keys longer than a block are hashed first, RFC 2104 §2). */
void hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                 uint8_t tag[SHA256_DIGEST_LEN]);

/* Compares n bytes in time independent of where they differ (tags must not leak a prefix). */
int crypto_equal_ct(const uint8_t *a, const uint8_t *b, size_t n);

#endif /* CRYPTO_SHA256_H */
