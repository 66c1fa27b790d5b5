/*
 * Model transfer messages (docs/protocol.md §3.14, types 0x20-0x26): decode what the host sends,
 * encode MODEL_STATUS, and the BEGIN tag. Held to the TypeScript codec (models/protocol/transfer.ts)
 * by test/vectors/transfer_vectors.h.
 */
#ifndef PROTO_MSG_TRANSFER_H
#define PROTO_MSG_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

#define MSG_TYPE_MODEL_BEGIN 0x20u
#define MSG_TYPE_MODEL_CHUNK 0x21u
#define MSG_TYPE_MODEL_COMMIT 0x22u
#define MSG_TYPE_MODEL_ABORT 0x23u
#define MSG_TYPE_MODEL_STATUS_REQ 0x24u
#define MSG_TYPE_MODEL_ROLLBACK 0x25u
#define MSG_TYPE_MODEL_STATUS 0x26u

#define MSG_MODEL_BEGIN_LEN 56u
#define MSG_MODEL_CHUNK_HEADER_LEN 4u
#define MSG_MODEL_CHUNK_DATA_MAX 1020u
#define MSG_MODEL_COMMIT_LEN 32u
#define MSG_MODEL_ROLLBACK_LEN 4u
#define MSG_MODEL_STATUS_LEN 56u
#define MSG_MODEL_HASH_LEN 32u
#define MSG_MODEL_BEGIN_TAG_LEN 16u

#define MSG_TRANSFER_IDLE 0u
#define MSG_TRANSFER_RECEIVING 1u
#define MSG_TRANSFER_TRIAL 2u

/* NACK reasons of the model transfer (§3.5). */
#define MSG_NACK_TOO_LARGE 13u
#define MSG_NACK_NO_TRANSFER 14u
#define MSG_NACK_INCOMPLETE 15u
#define MSG_NACK_IMAGE_HASH 16u
#define MSG_NACK_MODEL_CORRUPT 17u
#define MSG_NACK_MODEL_KEY 18u
#define MSG_NACK_MODEL_SPEC 19u
#define MSG_NACK_MODEL_OLDER 20u
#define MSG_NACK_MODEL_SELFTEST 21u
#define MSG_NACK_MODEL_PENDING 22u
#define MSG_NACK_NO_ROLLBACK 23u

typedef struct {
    uint32_t size;
    uint32_t version;
    uint8_t sha256[MSG_MODEL_HASH_LEN];
    uint8_t tag[MSG_MODEL_BEGIN_TAG_LEN];
} msg_model_begin_t;

typedef struct {
    uint32_t offset;
    const uint8_t *data; /* points into the payload */
    size_t len;
} msg_model_chunk_t;

typedef struct {
    uint8_t state; /* MSG_TRANSFER_* */
    uint8_t trial_windows;
    uint8_t confirm_after;
    uint16_t max_chunk;
    uint32_t offset;
    uint32_t size;
    uint32_t version;
    uint32_t running_version;
    uint8_t sha256[MSG_MODEL_HASH_LEN];
} msg_model_status_t;

/* Decoders: VIGIL_ERR_PAYLOAD when the payload is shorter than the message (a chunk needs one data
 * byte); trailing bytes are ignored (extension rule, §3). */
VIGIL_NODISCARD vigil_status_t msg_model_begin_decode(const uint8_t *p, size_t len, msg_model_begin_t *m);
VIGIL_NODISCARD vigil_status_t msg_model_chunk_decode(const uint8_t *p, size_t len, msg_model_chunk_t *m);
VIGIL_NODISCARD vigil_status_t msg_model_commit_decode(const uint8_t *p, size_t len,
                                                       uint8_t sha256[MSG_MODEL_HASH_LEN]);
VIGIL_NODISCARD vigil_status_t msg_model_rollback_decode(const uint8_t *p, size_t len, uint32_t *version);

VIGIL_NODISCARD vigil_status_t msg_model_status_encode(const msg_model_status_t *m, uint8_t *out, size_t cap,
                                                       size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_model_status_decode(const uint8_t *p, size_t len, msg_model_status_t *m);

/* The first 16 bytes of HMAC-SHA256(key, "VGOTA1" || size || version || sha256) (§3.14). */
void msg_model_begin_tag(const uint8_t key[32], uint32_t size, uint32_t version,
                         const uint8_t sha256[MSG_MODEL_HASH_LEN], uint8_t tag[MSG_MODEL_BEGIN_TAG_LEN]);

#endif /* PROTO_MSG_TRANSFER_H */
