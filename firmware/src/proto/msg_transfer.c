#include "msg_transfer.h"

#include <string.h>

#include "../crypto/sha256.h"
#include "le.h"

vigil_status_t msg_model_begin_decode(const uint8_t *p, size_t len, msg_model_begin_t *m)
{
    if (len < MSG_MODEL_BEGIN_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->size = proto_get_u32le(&p[0]);
    m->version = proto_get_u32le(&p[4]);
    memcpy(m->sha256, &p[8], MSG_MODEL_HASH_LEN);
    memcpy(m->tag, &p[40], MSG_MODEL_BEGIN_TAG_LEN);
    return VIGIL_OK;
}

vigil_status_t msg_model_chunk_decode(const uint8_t *p, size_t len, msg_model_chunk_t *m)
{
    if (len < MSG_MODEL_CHUNK_HEADER_LEN + 1u) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->offset = proto_get_u32le(p);
    m->data = p + MSG_MODEL_CHUNK_HEADER_LEN;
    m->len = len - MSG_MODEL_CHUNK_HEADER_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_model_commit_decode(const uint8_t *p, size_t len, uint8_t sha256[MSG_MODEL_HASH_LEN])
{
    if (len < MSG_MODEL_COMMIT_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    memcpy(sha256, p, MSG_MODEL_HASH_LEN);
    return VIGIL_OK;
}

vigil_status_t msg_model_rollback_decode(const uint8_t *p, size_t len, uint32_t *version)
{
    if (len < MSG_MODEL_ROLLBACK_LEN) {
        return VIGIL_ERR_PAYLOAD;
    }
    *version = proto_get_u32le(p);
    return VIGIL_OK;
}

vigil_status_t msg_model_status_encode(const msg_model_status_t *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cap < MSG_MODEL_STATUS_LEN) {
        return VIGIL_ERR_NOSPACE;
    }
    memset(out, 0, MSG_MODEL_STATUS_LEN);
    out[0] = m->state;
    out[1] = m->trial_windows;
    out[2] = m->confirm_after;
    proto_put_u16le(&out[4], m->max_chunk);
    proto_put_u32le(&out[8], m->offset);
    proto_put_u32le(&out[12], m->size);
    proto_put_u32le(&out[16], m->version);
    proto_put_u32le(&out[20], m->running_version);
    memcpy(&out[24], m->sha256, MSG_MODEL_HASH_LEN);
    *out_len = MSG_MODEL_STATUS_LEN;
    return VIGIL_OK;
}

vigil_status_t msg_model_status_decode(const uint8_t *p, size_t len, msg_model_status_t *m)
{
    if (len < MSG_MODEL_STATUS_LEN || p[0] > MSG_TRANSFER_TRIAL) {
        return VIGIL_ERR_PAYLOAD;
    }
    m->state = p[0];
    m->trial_windows = p[1];
    m->confirm_after = p[2];
    m->max_chunk = proto_get_u16le(&p[4]);
    m->offset = proto_get_u32le(&p[8]);
    m->size = proto_get_u32le(&p[12]);
    m->version = proto_get_u32le(&p[16]);
    m->running_version = proto_get_u32le(&p[20]);
    memcpy(m->sha256, &p[24], MSG_MODEL_HASH_LEN);
    return VIGIL_OK;
}

void msg_model_begin_tag(const uint8_t key[32], uint32_t size, uint32_t version,
                         const uint8_t sha256[MSG_MODEL_HASH_LEN], uint8_t tag[MSG_MODEL_BEGIN_TAG_LEN])
{
    uint8_t m[6u + 8u + MSG_MODEL_HASH_LEN];
    memcpy(m, "VGOTA1", 6);
    proto_put_u32le(&m[6], size);
    proto_put_u32le(&m[10], version);
    memcpy(&m[14], sha256, MSG_MODEL_HASH_LEN);
    uint8_t full[SHA256_DIGEST_LEN];
    hmac_sha256(key, 32, m, sizeof m, full);
    memcpy(tag, full, MSG_MODEL_BEGIN_TAG_LEN);
}
