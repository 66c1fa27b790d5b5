/*
 * CRC-32 as used by the frame trailer (docs/protocol.md §1): IEEE 802.3 / zlib, reflected polynomial
 * 0xEDB88320, initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. Check value crc32("123456789") =
 * 0xCBF43926.
 *
 * Incremental use:  uint32_t s = PROTO_CRC32_INIT;  s = proto_crc32_update_u8(s, a, n); ...
 *                   uint32_t crc = proto_crc32_final(s);
 */
#ifndef PROTO_CRC32_H
#define PROTO_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_CRC32_INIT 0xFFFFFFFFu

extern const uint32_t proto_crc32_table[256];

/* Folds one byte into a running state. */
static inline uint32_t proto_crc32_step(uint32_t state, uint8_t byte)
{
    return proto_crc32_table[(state ^ byte) & 0xFFu] ^ (state >> 8);
}

/* Folds len bytes into a running state (start from PROTO_CRC32_INIT). data may be NULL if len is 0. */
uint32_t proto_crc32_update_u8(uint32_t state, const uint8_t *data, size_t len);

/* Turns a running state into the CRC value (the final XOR). */
static inline uint32_t proto_crc32_final(uint32_t state)
{
    return state ^ 0xFFFFFFFFu;
}

/* One-shot CRC-32 of a buffer. */
uint32_t proto_crc32_u8(const uint8_t *data, size_t len);

#endif /* PROTO_CRC32_H */
