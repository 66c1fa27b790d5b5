#include "frame.h"

#include "crc32.h"
#include "le.h"

vigil_status_t frame_build(uint8_t type, uint16_t seq, const uint8_t *payload, size_t payload_len,
                           uint8_t *out, size_t cap, size_t *out_len)
{
    if (payload_len > FRAME_MAX_PAYLOAD || (payload == NULL && payload_len != 0)) {
        return VIGIL_ERR_ARG;
    }
    uint8_t header[FRAME_HEADER_LEN];
    header[0] = FRAME_VERSION;
    header[1] = type;
    proto_put_u16le(&header[2], seq);
    proto_put_u16le(&header[4], (uint16_t)payload_len);

    /* One pass: header and payload are COBS-encoded as they are (no decoded copy of the frame is
     * needed: no heap, small stack) while the CRC runs over them; then the CRC itself. */
    uint32_t crc = PROTO_CRC32_INIT;
    cobs_encoder_t enc;
    cobs_encoder_begin(&enc, out, cap);
    cobs_encoder_put_crc(&enc, header, sizeof header, &crc);
    cobs_encoder_put_crc(&enc, payload, payload_len, &crc);
    uint8_t trailer[FRAME_CRC_LEN];
    proto_put_u32le(trailer, proto_crc32_final(crc));
    cobs_encoder_put(&enc, trailer, sizeof trailer);
    size_t n = 0;
    vigil_status_t st = cobs_encoder_end(&enc, &n);
    if (st != VIGIL_OK) {
        return st;
    }
    if (n >= cap) {
        return VIGIL_ERR_NOSPACE; /* no room for the delimiter */
    }
    out[n++] = 0x00;
    *out_len = n;
    return VIGIL_OK;
}

vigil_status_t frame_parse(const uint8_t *decoded, size_t len, frame_view_t *view)
{
    if (len < FRAME_OVERHEAD || len > FRAME_MAX_DECODED) {
        return VIGIL_ERR_LENGTH; /* the decoder holds up to 1038 bytes; 1034 is the protocol's limit */
    }
    uint16_t payload_len = proto_get_u16le(&decoded[4]);
    if ((size_t)payload_len != len - FRAME_OVERHEAD) {
        return VIGIL_ERR_LENGTH;
    }
    size_t body = FRAME_HEADER_LEN + payload_len;
    if (proto_crc32_u8(decoded, body) != proto_get_u32le(&decoded[body])) {
        return VIGIL_ERR_CRC;
    }
    if (decoded[0] != FRAME_VERSION) {
        return VIGIL_ERR_VERSION;
    }
    view->version = decoded[0];
    view->type = decoded[1];
    view->seq = proto_get_u16le(&decoded[2]);
    view->payload_len = payload_len;
    view->payload = &decoded[FRAME_HEADER_LEN];
    return VIGIL_OK;
}

void frame_deframer_init(frame_deframer_t *d)
{
    cobs_decoder_init(&d->cobs);
    d->frames = 0;
    d->bad_crc = 0;
    d->bad_length = 0;
    d->bad_version = 0;
}

bool frame_deframer_push_u8(frame_deframer_t *d, uint8_t byte, frame_view_t *view)
{
    size_t len = 0;
    if (cobs_decoder_push_u8(&d->cobs, byte, &len) != COBS_DEC_FRAME) {
        return false; /* pending, or counted by the COBS decoder */
    }
    switch (frame_parse(d->cobs.buf, len, view)) {
    case VIGIL_OK:
        d->frames++;
        return true;
    case VIGIL_ERR_LENGTH:
        d->bad_length++;
        break;
    case VIGIL_ERR_CRC:
        d->bad_crc++;
        break;
    default: /* VIGIL_ERR_VERSION, the only other result of frame_parse */
        d->bad_version++;
        break;
    }
    return false;
}

frame_stats_t frame_deframer_stats(const frame_deframer_t *d)
{
    frame_stats_t s = {
        .frames = d->frames,
        .bad_cobs = d->cobs.bad_cobs,
        .bad_crc = d->bad_crc,
        .bad_length = d->bad_length,
        .bad_version = d->bad_version,
        .oversize = d->cobs.oversize,
    };
    return s;
}
