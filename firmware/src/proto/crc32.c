#include "crc32.h"

/*
 * The byte-wise table of the reflected algorithm (R. Williams, "A Painless Guide to CRC Error
 * Detection Algorithms", 1993): entry n is the register after shifting byte n through eight rounds
 * of x -> (x >> 1) ^ (x & 1 ? 0xEDB88320 : 0). Built by the compiler from that definition, so the
 * 256 constants cannot be mistyped; 1 KiB of flash buys one lookup per byte instead of two (the
 * node sends a ~480-byte FEATURES frame per window).
 */
#define CRC_BIT(c) (((c) >> 1) ^ (((c) & 1u) ? 0xEDB88320u : 0u))
#define CRC_BYTE(c) CRC_BIT(CRC_BIT(CRC_BIT(CRC_BIT(CRC_BIT(CRC_BIT(CRC_BIT(CRC_BIT((uint32_t)(c)))))))))
#define CRC_4(n) CRC_BYTE(n), CRC_BYTE((n) + 1u), CRC_BYTE((n) + 2u), CRC_BYTE((n) + 3u)
#define CRC_16(n) CRC_4(n), CRC_4((n) + 4u), CRC_4((n) + 8u), CRC_4((n) + 12u)
#define CRC_64(n) CRC_16(n), CRC_16((n) + 16u), CRC_16((n) + 32u), CRC_16((n) + 48u)

const uint32_t proto_crc32_table[256] = {CRC_64(0u), CRC_64(64u), CRC_64(128u), CRC_64(192u)};

uint32_t proto_crc32_update_u8(uint32_t state, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        state = proto_crc32_step(state, data[i]);
    }
    return state;
}

uint32_t proto_crc32_u8(const uint8_t *data, size_t len)
{
    return proto_crc32_final(proto_crc32_update_u8(PROTO_CRC32_INIT, data, len));
}
