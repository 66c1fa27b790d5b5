#include "crc32.h"

/*
 * Half-byte (nibble) table: 16 entries = 64 bytes of flash instead of 1 KiB for the byte-wide table.
 * Frames are at most 1034 bytes and the node sends a few small ones per window, so two lookups per
 * byte cost nothing that matters. Entry i is the register after shifting nibble i through four
 * rounds of the bitwise reflected algorithm (R. Williams, "A Painless Guide to CRC Error Detection
 * Algorithms", 1993, the table-driven reflected form with 4-bit instead of 8-bit steps).
 */
static const uint32_t crc32_nibble_table[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t proto_crc32_update_u8(uint32_t state, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        state ^= data[i];
        state = (state >> 4) ^ crc32_nibble_table[state & 0x0Fu];
        state = (state >> 4) ^ crc32_nibble_table[state & 0x0Fu];
    }
    return state;
}

uint32_t proto_crc32_u8(const uint8_t *data, size_t len)
{
    return proto_crc32_final(proto_crc32_update_u8(PROTO_CRC32_INIT, data, len));
}
