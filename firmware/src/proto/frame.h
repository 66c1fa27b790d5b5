/*
 * Link frames (docs/protocol.md §1):
 *   version u8 | type u8 | seq u16 | payload_len u16 | payload | crc32 u32   (little-endian)
 * COBS-encoded on the wire and terminated by 0x00.
 */
#ifndef PROTO_FRAME_H
#define PROTO_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "cobs.h"

#define FRAME_VERSION 1u
#define FRAME_HEADER_LEN 6u
#define FRAME_CRC_LEN 4u
#define FRAME_OVERHEAD (FRAME_HEADER_LEN + FRAME_CRC_LEN)
#define FRAME_MAX_PAYLOAD 1024u
#define FRAME_MAX_DECODED (FRAME_MAX_PAYLOAD + FRAME_OVERHEAD) /* 1034 */

/* Wire bytes (COBS + delimiter) needed for a frame with a payload of n bytes. */
#define FRAME_WIRE_MAX(n) (COBS_ENCODED_MAX((n) + FRAME_OVERHEAD) + 1u)

_Static_assert(COBS_ENCODED_MAX(FRAME_MAX_DECODED) == COBS_DECODER_MAX_ENCODED,
               "decoder limit must be the encoded size of the largest frame (protocol.md §1)");

/* A validated frame. payload points into the buffer that was parsed. */
typedef struct {
    uint8_t version;
    uint8_t type;
    uint16_t seq;
    uint16_t payload_len;
    const uint8_t *payload;
} frame_view_t;

/*
 * Builds header + payload + CRC, COBS-encodes it and appends the 0x00 delimiter, into out.
 * payload may be NULL when payload_len is 0. VIGIL_ERR_ARG if payload_len > FRAME_MAX_PAYLOAD,
 * VIGIL_ERR_NOSPACE if out (size cap) is smaller than needed (FRAME_WIRE_MAX(payload_len) suffices).
 */
VIGIL_NODISCARD vigil_status_t frame_build(uint8_t type, uint16_t seq, const uint8_t *payload,
                                           size_t payload_len, uint8_t *out, size_t cap,
                                           size_t *out_len);

/*
 * Validates one decoded frame, checks in the order of protocol.md "Receiver rules":
 * VIGIL_ERR_LENGTH (shorter than 10, longer than FRAME_MAX_DECODED, or payload_len != len - 10),
 * then VIGIL_ERR_CRC, then VIGIL_ERR_VERSION.
 */
VIGIL_NODISCARD vigil_status_t frame_parse(const uint8_t *decoded, size_t len, frame_view_t *view);

/* Receiver counters, named after protocol.md "Receiver rules". */
typedef struct {
    uint32_t frames;
    uint32_t bad_cobs;
    uint32_t bad_crc;
    uint32_t bad_length;
    uint32_t bad_version;
    uint32_t oversize;
} frame_stats_t;

/* Byte-stream receiver: COBS decoder + frame validation + counters. */
typedef struct {
    cobs_decoder_t cobs;  /* counts oversize and bad_cobs itself */
    uint32_t frames;
    uint32_t bad_crc;
    uint32_t bad_length;
    uint32_t bad_version;
} frame_deframer_t;

void frame_deframer_init(frame_deframer_t *d);

/*
 * Feeds one wire byte. Returns true when it completes a valid frame; *view then points into the
 * deframer and stays valid until the next call. Bad frames are counted and dropped.
 */
bool frame_deframer_push_u8(frame_deframer_t *d, uint8_t byte, frame_view_t *view);

frame_stats_t frame_deframer_stats(const frame_deframer_t *d);

#endif /* PROTO_FRAME_H */
