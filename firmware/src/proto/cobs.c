#include "cobs.h"

#include "crc32.h"

#include <stdint.h>

/* ---- encoder ---- */

static void enc_emit(cobs_encoder_t *enc, uint8_t byte)
{
    if (enc->pos < enc->cap) {
        enc->out[enc->pos] = byte;
    } else {
        enc->overflow = true;
    }
    enc->pos++;
}

static void enc_open_block(cobs_encoder_t *enc)
{
    enc->code_pos = enc->pos;
    enc_emit(enc, 0); /* placeholder, patched when the block closes */
    enc->code = 1;
    enc->open = true;
}

static void enc_close_block(cobs_encoder_t *enc)
{
    if (enc->code_pos < enc->cap) {
        enc->out[enc->code_pos] = enc->code;
    }
    enc->open = false;
}

void cobs_encoder_begin(cobs_encoder_t *enc, uint8_t *out, size_t cap)
{
    enc->out = out;
    enc->cap = cap;
    enc->pos = 0;
    enc->overflow = false;
    enc->last_full = SIZE_MAX;
    enc_open_block(enc); /* even empty input encodes to one block: 01 */
}

/*
 * The encoding loop with the encoder's state in locals, for when the output certainly has room
 * (no per-byte bound check); with_crc also folds every byte into *crc (frame_build's single pass).
 * After a full 0xFF block it opens the next block at once and remembers where (last_full): if
 * the input ends right there, cobs_encoder_end takes that empty block back. So the loop carries no
 * "block open?" test: about a dozen instructions per byte on the Cortex-M4.
 */
static inline __attribute__((always_inline)) void put_fast(cobs_encoder_t *enc, const uint8_t *data,
                                                           size_t len, uint32_t *crc, const bool with_crc)
{
    uint8_t *const base = enc->out;
    uint8_t *o = base + enc->pos;
    if (!enc->open) { /* the slow path's lazily opened block */
        enc->code_pos = enc->pos;
        enc->code = 1;
        enc->open = true;
        o++;
    }
    uint8_t *code_at = base + enc->code_pos;
    unsigned code = enc->code;
    uint32_t c = with_crc ? *crc : 0;
    for (const uint8_t *p = data, *end = data + len; p < end; p++) {
        const uint8_t b = *p;
        if (with_crc) {
            c = proto_crc32_step(c, b);
        }
        if (b == 0) {
            *code_at = (uint8_t)code;
            code_at = o++;
            code = 1;
        } else {
            *o++ = b;
            if (++code == 0xFFu) {
                *code_at = 0xFF;
                code_at = o++;
                code = 1;
                enc->last_full = (size_t)(code_at - base);
            }
        }
    }
    enc->pos = (size_t)(o - base);
    enc->code_pos = (size_t)(code_at - base);
    enc->code = (uint8_t)code;
    if (with_crc) {
        *crc = c;
    }
}

#if defined(__ARM_ARCH_7EM__)
/* cobs_m4.S: put_fast with the CRC, in assembly. */
typedef struct {
    uint8_t *o;
    uint8_t *code_at;
    uint32_t code;
    uint32_t crc;
    uint8_t *last_full;
    const uint32_t *table;
} cobs_fast_t;
void cobs_crc_m4(const uint8_t *p, const uint8_t *end, cobs_fast_t *st);

static void put_fast_crc(cobs_encoder_t *enc, const uint8_t *data, size_t len, uint32_t *crc)
{
    if (!enc->open) {
        enc->code_pos = enc->pos;
        enc->code = 1;
        enc->open = true;
        enc->pos++;
    }
    uint8_t *const base = enc->out;
    cobs_fast_t st = {base + enc->pos, base + enc->code_pos, enc->code, *crc,
                      enc->last_full == SIZE_MAX ? NULL : base + enc->last_full, proto_crc32_table};
    cobs_crc_m4(data, data + len, &st);
    enc->pos = (size_t)(st.o - base);
    enc->code_pos = (size_t)(st.code_at - base);
    enc->code = (uint8_t)st.code;
    enc->last_full = st.last_full == NULL ? SIZE_MAX : (size_t)(st.last_full - base);
    *crc = st.crc;
}
#else
static void put_fast_crc(cobs_encoder_t *enc, const uint8_t *data, size_t len, uint32_t *crc)
{
    put_fast(enc, data, len, crc, true);
}
#endif

static bool has_room(const cobs_encoder_t *enc, size_t len)
{
    return !enc->overflow && enc->pos <= enc->cap && enc->cap - enc->pos >= COBS_ENCODED_MAX(len) + 1u;
}

void cobs_encoder_put(cobs_encoder_t *enc, const uint8_t *data, size_t len)
{
    if (has_room(enc, len)) {
        put_fast(enc, data, len, NULL, false);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (!enc->open) {
            /* Opened lazily after a full 0xFF block, so input that ends exactly there gets no
             * trailing empty block (Cheshire & Baker §3: the 0xFF code has no implied zero). */
            enc_open_block(enc);
        }
        if (data[i] == 0) {
            enc_close_block(enc);
            enc_open_block(enc); /* a zero always implies a following block, maybe empty */
        } else {
            enc_emit(enc, data[i]);
            enc->code++;
            if (enc->code == 0xFF) {
                enc_close_block(enc);
            }
        }
    }
}

void cobs_encoder_put_crc(cobs_encoder_t *enc, const uint8_t *data, size_t len, uint32_t *crc)
{
    if (has_room(enc, len)) {
        put_fast_crc(enc, data, len, crc);
        return;
    }
    *crc = proto_crc32_update_u8(*crc, data, len);
    cobs_encoder_put(enc, data, len);
}

vigil_status_t cobs_encoder_end(cobs_encoder_t *enc, size_t *out_len)
{
    if (enc->open && enc->code == 1 && enc->code_pos == enc->last_full && enc->code_pos + 1 == enc->pos) {
        enc->pos = enc->code_pos; /* put_fast's block after a full one, still empty: not emitted */
        enc->open = false;
    }
    if (enc->open) {
        enc_close_block(enc);
    }
    if (enc->overflow) {
        return VIGIL_ERR_NOSPACE;
    }
    *out_len = enc->pos;
    return VIGIL_OK;
}

vigil_status_t cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    cobs_encoder_t enc;
    cobs_encoder_begin(&enc, out, cap);
    cobs_encoder_put(&enc, in, len);
    return cobs_encoder_end(&enc, out_len);
}

/* ---- decoding: one step shared by the one-shot and the streaming decoder ---- */

/*
 * Consumes one non-zero encoded byte. Returns true and sets *out when it yields a decoded byte:
 * the data byte itself, or the implied 0x00 that a new code byte stands for when the previous block
 * was shorter than 0xFF. *code == 0 means no block has started yet.
 */
static bool dec_step(uint8_t *code, uint8_t *remaining, uint8_t byte, uint8_t *out)
{
    if (*remaining > 0) {
        (*remaining)--;
        *out = byte;
        return true;
    }
    bool implied_zero = (*code != 0 && *code != 0xFF);
    *code = byte;
    *remaining = (uint8_t)(byte - 1);
    *out = 0;
    return implied_zero;
}

vigil_status_t cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t code = 0;
    uint8_t remaining = 0;
    size_t n = 0;
    if (len == 0) {
        return VIGIL_ERR_COBS;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t b;
        if (in[i] == 0) {
            return VIGIL_ERR_COBS;
        }
        if (dec_step(&code, &remaining, in[i], &b)) {
            if (n >= cap) {
                return VIGIL_ERR_NOSPACE;
            }
            out[n++] = b;
        }
    }
    if (remaining != 0) {
        return VIGIL_ERR_COBS;
    }
    *out_len = n;
    return VIGIL_OK;
}

static void dec_reset(cobs_decoder_t *dec)
{
    dec->encoded_len = 0;
    dec->len = 0;
    dec->code = 0;
    dec->remaining = 0;
    dec->skipping = false;
}

void cobs_decoder_init(cobs_decoder_t *dec)
{
    dec_reset(dec);
    dec->oversize = 0;
    dec->bad_cobs = 0;
}

cobs_dec_result_t cobs_decoder_push_u8(cobs_decoder_t *dec, uint8_t byte, size_t *frame_len)
{
    if (byte == 0) {
        /* Delimiter: checks in the order of docs/protocol.md "Receiver rules". */
        cobs_dec_result_t r = COBS_DEC_PENDING;
        if (dec->skipping) {
            dec->oversize++;
            r = COBS_DEC_OVERSIZE;
        } else if (dec->encoded_len == 0) {
            r = COBS_DEC_PENDING; /* empty frame: ignored, not an error */
        } else if (dec->remaining != 0) {
            dec->bad_cobs++;
            r = COBS_DEC_BAD_COBS;
        } else {
            *frame_len = dec->len;
            r = COBS_DEC_FRAME;
        }
        dec_reset(dec);
        return r;
    }
    if (dec->skipping) {
        return COBS_DEC_PENDING;
    }
    if (dec->encoded_len >= COBS_DECODER_MAX_ENCODED) {
        dec->skipping = true; /* never trust a length not yet checked: stop storing here */
        return COBS_DEC_PENDING;
    }
    dec->encoded_len++;
    uint8_t b;
    if (dec_step(&dec->code, &dec->remaining, byte, &b)) {
        /* Cannot overflow: each encoded byte yields at most one decoded byte and the first
         * encoded byte yields none, so len < encoded_len <= sizeof buf. */
        dec->buf[dec->len++] = b;
    }
    return COBS_DEC_PENDING;
}
