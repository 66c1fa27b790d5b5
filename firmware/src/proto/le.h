/*
 * Little-endian field access for the wire format (docs/protocol.md: "All multi-byte integers and
 * floats are little-endian"). Built from shifts so the result does not depend on the host's byte
 * order or on the alignment of the buffer.
 */
#ifndef PROTO_LE_H
#define PROTO_LE_H

#include <stdint.h>
#include <string.h>

static inline void proto_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void proto_put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static inline void proto_put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* IEEE-754 binary32 travels as its bit pattern; memcpy is the defined way to get it (C11 6.5p7).
 * On a little-endian core that is one (unaligned-capable) store. */
static inline void proto_put_f32le(uint8_t *p, float v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, sizeof v);
#else
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    proto_put_u32le(p, bits);
#endif
}

static inline uint16_t proto_get_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | ((uint16_t)p[1] << 8));
}

static inline uint32_t proto_get_u32le(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static inline uint64_t proto_get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static inline float proto_get_f32le(const uint8_t *p)
{
    uint32_t bits = proto_get_u32le(p);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

#endif /* PROTO_LE_H */
