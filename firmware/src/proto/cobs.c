#include "cobs.h"

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
    enc_open_block(enc); /* even empty input encodes to one block: 01 */
}

void cobs_encoder_put(cobs_encoder_t *enc, const uint8_t *data, size_t len)
{
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

vigil_status_t cobs_encoder_end(cobs_encoder_t *enc, size_t *out_len)
{
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
