#include "transfer.h"

#include <string.h>

#include "../crypto/sha256.h"
#include "../proto/le.h"
#include "../proto/msg.h"

static bool is_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

static uint32_t blob_area(const ota_rx_t *rx)
{
    return rx->cfg.store->flash->slot_size - STORE_TRAILER_LEN;
}

vigil_status_t ota_init(ota_rx_t *rx, const ota_config_t *cfg, uint32_t running_version)
{
    if (rx == NULL || cfg == NULL || cfg->store == NULL || cfg->store->flash == NULL || cfg->key == NULL ||
        cfg->check == NULL || cfg->confirm_after == 0) {
        return VIGIL_ERR_ARG;
    }
    memset(rx, 0, sizeof *rx);
    rx->cfg = *cfg;
    rx->running_version = running_version;
    rx->prev_slot = -1;
    return VIGIL_OK;
}

bool ota_handles(uint8_t type)
{
    return type >= MSG_TYPE_MODEL_BEGIN && type <= MSG_TYPE_MODEL_ROLLBACK;
}

void ota_status(const ota_rx_t *rx, msg_model_status_t *st)
{
    memset(st, 0, sizeof *st);
    st->state = rx->state;
    st->trial_windows = rx->trial_windows;
    st->confirm_after = rx->cfg.confirm_after;
    st->max_chunk = MSG_MODEL_CHUNK_DATA_MAX;
    st->running_version = rx->running_version;
    if (rx->state != MSG_TRANSFER_IDLE) {
        st->offset = rx->offset;
        st->size = rx->size;
        st->version = rx->version;
        memcpy(st->sha256, rx->sha256, MSG_MODEL_HASH_LEN);
    }
}

/* The NACK reason for a refusal of the node's acceptance test (status.h). */
static uint8_t check_reason(vigil_status_t st)
{
    switch (st) {
    case VIGIL_ERR_AUTH:
        return MSG_NACK_MODEL_KEY;
    case VIGIL_ERR_SPEC:
        return MSG_NACK_MODEL_SPEC;
    case VIGIL_ERR_SELFTEST:
        return MSG_NACK_MODEL_SELFTEST;
    case VIGIL_ERR_LIMIT:
        return MSG_NACK_TOO_LARGE;
    case VIGIL_ERR_ROLLBACK:
        return MSG_NACK_MODEL_OLDER;
    default:
        return MSG_NACK_MODEL_CORRUPT; /* truncated, magic, format version, CRC, fields */
    }
}

static uint8_t on_begin(ota_rx_t *rx, const uint8_t *p, size_t len)
{
    msg_model_begin_t b;
    if (msg_model_begin_decode(p, len, &b) != VIGIL_OK) {
        return MSG_NACK_BAD_PAYLOAD;
    }
    if (is_zero(rx->cfg.key, OTA_KEY_LEN)) {
        return MSG_NACK_NOT_PAIRED; /* only the built-in model runs under the zero key */
    }
    uint8_t tag[MSG_MODEL_BEGIN_TAG_LEN];
    msg_model_begin_tag(rx->cfg.key, b.size, b.version, b.sha256, tag);
    if (!crypto_equal_ct(tag, b.tag, sizeof tag)) {
        return MSG_NACK_AUTH_FAILED;
    }
    if (rx->state == MSG_TRANSFER_TRIAL) {
        return MSG_NACK_MODEL_PENDING;
    }
    if (b.size == 0) {
        return MSG_NACK_BAD_PAYLOAD;
    }
    if (b.size > blob_area(rx)) {
        return MSG_NACK_TOO_LARGE;
    }
    if (b.version <= rx->running_version) {
        return MSG_NACK_MODEL_OLDER;
    }
    if (rx->state == MSG_TRANSFER_RECEIVING && b.size == rx->size && b.version == rx->version &&
        memcmp(b.sha256, rx->sha256, MSG_MODEL_HASH_LEN) == 0) {
        return 0; /* the same image: resume from the offset held */
    }
    rx->state = MSG_TRANSFER_IDLE;
    rx->committed = false;
    if (store_begin(rx->cfg.store, &rx->slot) != VIGIL_OK) {
        return MSG_NACK_STORAGE;
    }
    rx->state = MSG_TRANSFER_RECEIVING;
    rx->size = b.size;
    rx->version = b.version;
    rx->offset = 0;
    memcpy(rx->sha256, b.sha256, MSG_MODEL_HASH_LEN);
    return 0;
}

static uint8_t on_chunk(ota_rx_t *rx, const uint8_t *p, size_t len)
{
    msg_model_chunk_t c;
    if (msg_model_chunk_decode(p, len, &c) != VIGIL_OK) {
        return MSG_NACK_BAD_PAYLOAD;
    }
    if (rx->state != MSG_TRANSFER_RECEIVING) {
        return MSG_NACK_NO_TRANSFER;
    }
    if ((c.offset & 3u) != 0 || c.offset > rx->size || c.len > rx->size - c.offset ||
        ((c.len & 3u) != 0 && c.offset + c.len != rx->size)) {
        return MSG_NACK_OUT_OF_RANGE;
    }
    if (c.offset != rx->offset) {
        return 0; /* a repeat, or past a lost chunk: the status names the offset held */
    }
    if (store_program(rx->cfg.store, rx->slot, c.offset, c.data, c.len) != VIGIL_OK) {
        rx->state = MSG_TRANSFER_IDLE; /* words may be half programmed: BEGIN erases again */
        return MSG_NACK_STORAGE;
    }
    rx->offset += (uint32_t)c.len;
    return 0;
}

static uint8_t on_commit(ota_rx_t *rx, const uint8_t *p, size_t len)
{
    uint8_t h[MSG_MODEL_HASH_LEN];
    if (msg_model_commit_decode(p, len, h) != VIGIL_OK) {
        return MSG_NACK_BAD_PAYLOAD;
    }
    if (rx->committed && memcmp(h, rx->sha256, sizeof h) == 0) {
        return 0; /* committed already (the ACK was lost) */
    }
    if (rx->state != MSG_TRANSFER_RECEIVING || memcmp(h, rx->sha256, sizeof h) != 0) {
        return MSG_NACK_NO_TRANSFER;
    }
    if (rx->offset < rx->size) {
        return MSG_NACK_INCOMPLETE;
    }
    store_t *s = rx->cfg.store;
    const uint8_t *blob = s->flash->read(s->flash, rx->slot);
    rx->state = MSG_TRANSFER_IDLE; /* from here on, a refusal ends the transfer */
    sha256(blob, rx->size, h);
    if (memcmp(h, rx->sha256, sizeof h) != 0) {
        return MSG_NACK_IMAGE_HASH;
    }
    const vigil_status_t st = rx->cfg.check(rx->cfg.check_ctx, blob, rx->size);
    if (st != VIGIL_OK) {
        return check_reason(st);
    }
    const uint32_t version = proto_get_u32le(blob + 12); /* model-format §2.1, checked by check() */
    if (version <= rx->running_version) {
        return MSG_NACK_MODEL_OLDER;
    }
    if (version != rx->version) {
        return MSG_NACK_MODEL_CORRUPT; /* BEGIN named another version */
    }
    if (store_finish(s, rx->slot, rx->size, true) != VIGIL_OK) {
        return MSG_NACK_STORAGE;
    }
    rx->prev_slot = s->active;
    rx->prev_version = rx->running_version;
    s->active = (int)rx->slot;
    rx->running_version = version;
    rx->state = MSG_TRANSFER_TRIAL;
    rx->trial_windows = 0;
    rx->committed = true;
    rx->run = OTA_RUN_SLOT;
    rx->run_slot = rx->slot;
    return 0;
}

/* Ends a trial: back to the model that ran before it. The rejected mark may fail to program: the
 * slot is then still on trial in flash, and the next boot rejects it. */
static void revert(ota_rx_t *rx)
{
    store_t *s = rx->cfg.store;
    if (store_verdict(s, rx->slot, false) != VIGIL_OK) {
        rx->flash_errors++;
    }
    s->active = rx->prev_slot;
    rx->running_version = rx->prev_version;
    rx->run = rx->prev_slot >= 0 ? OTA_RUN_SLOT : OTA_RUN_BUILTIN;
    rx->run_slot = rx->prev_slot >= 0 ? (uint32_t)rx->prev_slot : 0u;
    rx->state = MSG_TRANSFER_IDLE;
    rx->committed = false;
    rx->trial_windows = 0;
}

/* Back to the factory model: every confirmed slot is marked rejected, so no boot runs a stored
 * model again (store_boot finds none and the node loads its built-in one). The running slot is
 * marked last: a power cut before it leaves that model running at the next boot. */
static uint8_t rollback_to_builtin(ota_rx_t *rx)
{
    store_t *s = rx->cfg.store;
    const uint32_t running = (uint32_t)s->active;
    const uint32_t other = 1u - running;
    if (store_slot_info(s, other).state == STORE_SLOT_CONFIRMED && store_verdict(s, other, false) != VIGIL_OK) {
        return MSG_NACK_STORAGE;
    }
    if (store_verdict(s, running, false) != VIGIL_OK) {
        return MSG_NACK_STORAGE;
    }
    s->active = -1;
    rx->running_version = rx->cfg.builtin_version;
    rx->committed = false;
    rx->run = OTA_RUN_BUILTIN;
    rx->run_slot = 0u;
    return 0;
}

static uint8_t on_rollback(ota_rx_t *rx, const uint8_t *p, size_t len)
{
    uint32_t version;
    if (msg_model_rollback_decode(p, len, &version) != VIGIL_OK) {
        return MSG_NACK_BAD_PAYLOAD;
    }
    if (rx->state == MSG_TRANSFER_TRIAL && version == rx->prev_version) {
        revert(rx);
        return 0;
    }
    if (version == rx->running_version) {
        return 0; /* running it already */
    }
    store_t *s = rx->cfg.store;
    if (rx->state == MSG_TRANSFER_TRIAL || s->active < 0) {
        return MSG_NACK_NO_ROLLBACK;
    }
    const uint32_t other = 1u - (uint32_t)s->active;
    const store_slot_info_t info = store_slot_info(s, other);
    if ((info.state != STORE_SLOT_CONFIRMED || info.version != version) && version == rx->cfg.builtin_version &&
        version != 0u) {
        return rollback_to_builtin(rx);
    }
    if (info.state != STORE_SLOT_CONFIRMED || info.version != version) {
        return MSG_NACK_NO_ROLLBACK;
    }
    const vigil_status_t st = rx->cfg.check(rx->cfg.check_ctx, s->flash->read(s->flash, other), info.length);
    if (st != VIGIL_OK) {
        return check_reason(st);
    }
    /* Rejecting the newer slot is what lets the older one boot (store_boot runs the highest
     * confirmed version). */
    if (store_verdict(s, (uint32_t)s->active, false) != VIGIL_OK) {
        return MSG_NACK_STORAGE;
    }
    s->active = (int)other;
    rx->running_version = version;
    rx->committed = false;
    rx->run = OTA_RUN_SLOT;
    rx->run_slot = other;
    return 0;
}

void ota_handle(ota_rx_t *rx, uint8_t type, const uint8_t *payload, size_t len, uint8_t *out_type, uint8_t *out,
                size_t *out_len)
{
    uint8_t reason = MSG_NACK_UNKNOWN_TYPE;
    bool status = false;
    switch (type) {
    case MSG_TYPE_MODEL_BEGIN:
        reason = on_begin(rx, payload, len);
        status = true;
        break;
    case MSG_TYPE_MODEL_CHUNK:
        reason = on_chunk(rx, payload, len);
        status = true;
        break;
    case MSG_TYPE_MODEL_COMMIT:
        reason = on_commit(rx, payload, len);
        break;
    case MSG_TYPE_MODEL_ABORT:
        if (rx->state == MSG_TRANSFER_RECEIVING) {
            rx->state = MSG_TRANSFER_IDLE; /* the slot has no magic: it reads as empty */
        }
        reason = 0;
        break;
    case MSG_TYPE_MODEL_STATUS_REQ:
        reason = 0;
        status = true;
        break;
    case MSG_TYPE_MODEL_ROLLBACK:
        reason = on_rollback(rx, payload, len);
        break;
    default:
        break;
    }
    vigil_status_t st;
    if (reason != 0) {
        const msg_nack_t n = {type, reason, 0};
        *out_type = MSG_TYPE_NACK;
        st = msg_nack_encode(&n, out, OTA_RESPONSE_MAX, out_len);
    } else if (status) {
        msg_model_status_t s;
        ota_status(rx, &s);
        *out_type = MSG_TYPE_MODEL_STATUS;
        st = msg_model_status_encode(&s, out, OTA_RESPONSE_MAX, out_len);
    } else {
        *out_type = MSG_TYPE_ACK;
        st = msg_ack_encode(type, out, OTA_RESPONSE_MAX, out_len);
    }
    (void)st; /* OTA_RESPONSE_MAX holds every response */
}

void ota_window(ota_rx_t *rx, bool healthy)
{
    if (rx->state != MSG_TRANSFER_TRIAL) {
        return;
    }
    if (!healthy) {
        revert(rx);
        return;
    }
    if (rx->trial_windows < 255u) {
        rx->trial_windows++;
    }
    if (rx->trial_windows >= rx->cfg.confirm_after) {
        /* A failed confirm leaves the slot on trial in flash: it runs until the next reset, which
         * reverts it. */
        if (store_verdict(rx->cfg.store, rx->slot, true) != VIGIL_OK) {
            rx->flash_errors++;
        }
        rx->state = MSG_TRANSFER_IDLE;
        rx->trial_windows = 0;
    }
}

ota_run_t ota_take_run(ota_rx_t *rx, uint32_t *slot)
{
    const ota_run_t r = rx->run;
    *slot = rx->run_slot;
    rx->run = OTA_RUN_NONE;
    return r;
}
