#include "sha256.h"

#include <string.h>

/* FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64
 * primes. */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

/* FIPS 180-4 §6.2.2, with the 16-word rolling message schedule (64 bytes of stack, not 256). */
static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[16];
    for (unsigned i = 0; i < 16; i++) {
        w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) |
               ((uint32_t)p[4 * i + 2] << 8) | p[4 * i + 3];
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (unsigned t = 0; t < 64; t++) {
        uint32_t wt;
        if (t < 16) {
            wt = w[t];
        } else {
            const uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
            const uint32_t s0 = ror32(w15, 7) ^ ror32(w15, 18) ^ (w15 >> 3);
            const uint32_t s1 = ror32(w2, 17) ^ ror32(w2, 19) ^ (w2 >> 10);
            wt = w[t & 15] = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
        }
        const uint32_t t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                            K[t] + wt;
        const uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void sha256_init(sha256_t *s)
{
    /* §5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    memcpy(s->h, iv, sizeof iv);
    s->bits = 0;
    s->fill = 0;
}

void sha256_update(sha256_t *s, const uint8_t *data, size_t len)
{
    s->bits += (uint64_t)len * 8u;
    while (len > 0) {
        if (s->fill == 0 && len >= SHA256_BLOCK_LEN) {
            sha256_block(s->h, data);
            data += SHA256_BLOCK_LEN;
            len -= SHA256_BLOCK_LEN;
            continue;
        }
        size_t n = SHA256_BLOCK_LEN - s->fill;
        if (n > len) {
            n = len;
        }
        memcpy(&s->block[s->fill], data, n);
        s->fill += n;
        data += n;
        len -= n;
        if (s->fill == SHA256_BLOCK_LEN) {
            sha256_block(s->h, s->block);
            s->fill = 0;
        }
    }
}

void sha256_final(sha256_t *s, uint8_t digest[SHA256_DIGEST_LEN])
{
    /* §5.1.1: a 1 bit, zeros, then the 64-bit big-endian length, to a multiple of 512 bits. */
    const uint64_t bits = s->bits;
    s->block[s->fill++] = 0x80;
    if (s->fill > SHA256_BLOCK_LEN - 8u) {
        memset(&s->block[s->fill], 0, SHA256_BLOCK_LEN - s->fill);
        sha256_block(s->h, s->block);
        s->fill = 0;
    }
    memset(&s->block[s->fill], 0, SHA256_BLOCK_LEN - 8u - s->fill);
    for (unsigned i = 0; i < 8; i++) {
        s->block[SHA256_BLOCK_LEN - 1u - i] = (uint8_t)(bits >> (8u * i));
    }
    sha256_block(s->h, s->block);
    for (unsigned i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(s->h[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        digest[4 * i + 3] = (uint8_t)s->h[i];
    }
}

void sha256(const uint8_t *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN])
{
    sha256_t s;
    sha256_init(&s);
    sha256_update(&s, data, len);
    sha256_final(&s, digest);
}

void hmac_sha256_init(hmac_sha256_t *h, const uint8_t *key, size_t key_len)
{
    uint8_t k[SHA256_BLOCK_LEN] = {0};
    if (key_len > SHA256_BLOCK_LEN) {
        sha256(key, key_len, k);
    } else if (key_len > 0) {
        memcpy(k, key, key_len);
    }
    /* H((K ^ ipad) || data), then H((K ^ opad) || inner) (RFC 2104 §2). */
    for (unsigned i = 0; i < SHA256_BLOCK_LEN; i++) {
        h->okey[i] = k[i] ^ 0x5cu;
        k[i] ^= 0x36u;
    }
    sha256_init(&h->s);
    sha256_update(&h->s, k, sizeof k);
}

void hmac_sha256_update(hmac_sha256_t *h, const uint8_t *data, size_t len)
{
    sha256_update(&h->s, data, len);
}

void hmac_sha256_final(hmac_sha256_t *h, uint8_t tag[SHA256_DIGEST_LEN])
{
    uint8_t inner[SHA256_DIGEST_LEN];
    sha256_final(&h->s, inner);
    sha256_init(&h->s);
    sha256_update(&h->s, h->okey, sizeof h->okey);
    sha256_update(&h->s, inner, sizeof inner);
    sha256_final(&h->s, tag);
}

void hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                 uint8_t tag[SHA256_DIGEST_LEN])
{
    hmac_sha256_t h;
    hmac_sha256_init(&h, key, key_len);
    hmac_sha256_update(&h, data, len);
    hmac_sha256_final(&h, tag);
}

int crypto_equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++) {
        diff |= (uint8_t)(a[i] ^ b[i]);
    }
    return diff == 0;
}
