/*
 * Consistent Overhead Byte Stuffing (S. Cheshire, M. Baker, "Consistent Overhead Byte Stuffing",
 * IEEE/ACM Trans. Networking 7(2), 1999). The encoded bytes contain no 0x00, so 0x00 can delimit
 * frames on the wire (docs/protocol.md §1). The encoder here never writes the delimiter; the frame
 * layer does.
 *
 * Block rule used by both sides: a code byte c (1..0xFF) is followed by c-1 data bytes; a block with
 * c < 0xFF is followed by an implied 0x00 unless it is the last block. A 0xFF block at the very end
 * of the input gets no extra empty block (254 non-zero bytes encode as FF + 254 bytes).
 */
#ifndef PROTO_COBS_H
#define PROTO_COBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* Upper bound of the encoded size of n input bytes (one code byte per started 254-byte run). */
#define COBS_ENCODED_MAX(n) ((n) + (n) / 254u + 1u)

/*
 * Longest encoded frame the streaming decoder accepts before a delimiter (docs/protocol.md §1,
 * "Receiver rules": 1039 = COBS_ENCODED_MAX(1034), the largest decoded frame).
 */
#define COBS_DECODER_MAX_ENCODED 1039u

/* ---- encoder: incremental, so a frame can be encoded while its parts are produced ---- */

typedef struct {
    uint8_t *out;     /* caller's buffer */
    size_t cap;       /* its size */
    size_t pos;       /* bytes written so far */
    size_t code_pos;  /* index of the open block's code byte */
    uint8_t code;     /* open block's code so far (1 + data bytes) */
    bool open;        /* a block is open; false right after a full 0xFF block (slow path) */
    size_t last_full; /* code position of the block opened right after a full one (fast path) */
    bool overflow;    /* the output did not fit; cobs_encoder_end reports it */
} cobs_encoder_t;

void cobs_encoder_begin(cobs_encoder_t *enc, uint8_t *out, size_t cap);
void cobs_encoder_put(cobs_encoder_t *enc, const uint8_t *data, size_t len);
/* The same, also folding the bytes into a running CRC-32 state (proto/crc32.h) in the same pass. */
void cobs_encoder_put_crc(cobs_encoder_t *enc, const uint8_t *data, size_t len, uint32_t *crc);
/* Closes the last block. VIGIL_ERR_NOSPACE if any byte did not fit. */
VIGIL_NODISCARD vigil_status_t cobs_encoder_end(cobs_encoder_t *enc, size_t *out_len);

/* One-shot encode (no delimiter). out needs COBS_ENCODED_MAX(len) bytes to be safe. */
VIGIL_NODISCARD vigil_status_t cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                                           size_t *out_len);

/*
 * One-shot decode of one encoded frame without its delimiter. VIGIL_ERR_COBS if the input is empty,
 * contains 0x00, or its code bytes do not land exactly on its end; VIGIL_ERR_NOSPACE if out is too
 * small. The decoded size is always below the encoded size.
 */
VIGIL_NODISCARD vigil_status_t cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                                           size_t *out_len);

/* ---- streaming decoder: byte by byte, frames delimited by 0x00 ---- */

typedef enum {
    COBS_DEC_PENDING = 0,                 /* byte consumed, no frame ended */
    COBS_DEC_FRAME = 1,                   /* a frame ended: decoder.buf[0 .. *frame_len) */
    COBS_DEC_BAD_COBS = VIGIL_ERR_COBS,   /* frame dropped and counted in bad_cobs */
    COBS_DEC_OVERSIZE = VIGIL_ERR_NOSPACE /* frame dropped and counted in oversize */
} cobs_dec_result_t;

typedef struct {
    uint32_t oversize;    /* frames longer than COBS_DECODER_MAX_ENCODED encoded bytes */
    uint32_t bad_cobs;    /* frames whose code bytes did not land on the delimiter */
    size_t encoded_len;   /* encoded bytes since the last delimiter */
    size_t len;           /* decoded bytes in buf */
    uint8_t code;         /* current block's code byte; 0 = no block yet */
    uint8_t remaining;    /* data bytes left in the current block; 0 = next byte is a code byte */
    bool skipping;        /* oversize: drop bytes up to the next delimiter */
    uint8_t buf[COBS_DECODER_MAX_ENCODED];
} cobs_decoder_t;

void cobs_decoder_init(cobs_decoder_t *dec);

/*
 * Feeds one wire byte. On COBS_DEC_FRAME, *frame_len is set and dec->buf holds the decoded frame
 * until the next call. Empty frames (two delimiters in a row) are ignored, not counted.
 */
cobs_dec_result_t cobs_decoder_push_u8(cobs_decoder_t *dec, uint8_t byte, size_t *frame_len);

#endif /* PROTO_COBS_H */
