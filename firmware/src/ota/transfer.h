/*
 * The node's model transfer receiver (docs/protocol.md §3.14, §6.4). BEGIN is checked first (an
 * HMAC tag under the pairing key, so an unpaired node refuses; no transfer while a model is on
 * trial; a size that fits the slot; a version newer than the running one); the same image again
 * (size, version, SHA-256) while receiving resumes from the offset held, anything else erases the
 * inactive store slot and starts over. CHUNKs are programmed in order, and BEGIN, CHUNK and
 * STATUS_REQ are answered with MODEL_STATUS (the highest contiguous offset). COMMIT hashes the
 * slot, runs the node's acceptance test (`check`) and writes the slot as a trial; the model then
 * runs on trial until `confirm_after` healthy windows confirm it, and an unhealthy window reverts
 * to the model that ran before. A reset before the confirmation reverts too (store_boot rejects
 * the trial). ROLLBACK ends a trial, or returns to the other slot's confirmed model. Every refusal
 * is a NACK with its reason and leaves the running model as it was. No heap: the image goes
 * straight to flash, and its SHA-256 is computed over the slot at COMMIT (so a transfer resumes
 * without hashing state).
 *
 * How the node drives it (firmware/src/node/node_ota.c, started by node_ota_init on every board
 * after store_boot): node.c hands it the wired link's requests 0x20-0x25 (ota_handles) and
 * node_secure.c those inside SECURE; over Bluetooth LE a bare one is refused with AUTH_REQUIRED
 * before it gets here. node_on_ota sends the response ota_handle writes with the request's seq,
 * then loads what ota_take_run names (a store slot, or the built-in model after a revert); a model
 * on trial the node cannot load counts as an unhealthy window. node_stream.c calls ota_window once
 * per feature window: healthy when the model ran and its score is finite.
 */
#ifndef OTA_TRANSFER_H
#define OTA_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/msg_transfer.h"
#include "../status.h"
#include "../store/store.h"

#define OTA_KEY_LEN 32u
#define OTA_CONFIRM_AFTER_DEFAULT 16u
/* The response ota_handle writes: a MODEL_STATUS is the largest. */
#define OTA_RESPONSE_MAX MSG_MODEL_STATUS_LEN

typedef enum {
    OTA_RUN_NONE = 0, /* keep the running model */
    OTA_RUN_SLOT,     /* load the blob in store slot *slot (its trailer's length) */
    OTA_RUN_BUILTIN,  /* load the built-in default model */
} ota_run_t;

typedef struct {
    store_t *store;          /* booted (store->active is the running slot, -1 for none) */
    const uint8_t *key;      /* the node's pairing key, OTA_KEY_LEN bytes, read at every use (all zero: unpaired) */
    store_accept_fn check;   /* the node's acceptance test under its key (node_accept_model): parse, CRC,
                              * tag, feature spec, axes, self-test; the status names the refusal */
    void *check_ctx;
    uint8_t confirm_after;   /* healthy windows before a model on trial is confirmed, 1 to 255 */
    uint32_t builtin_version; /* the built-in model's version (0: the node has none) */
} ota_config_t;

typedef struct {
    ota_config_t cfg;
    uint8_t state;         /* MSG_TRANSFER_* */
    uint8_t trial_windows; /* healthy windows of the model on trial */
    uint32_t slot;         /* the slot being written, or on trial */
    int prev_slot;         /* the slot that ran before the trial, -1 for the built-in model */
    uint32_t prev_version;
    uint32_t size, version, offset;
    uint8_t sha256[MSG_MODEL_HASH_LEN];
    bool committed;        /* sha256 names the image last committed (a repeated COMMIT is ACKed) */
    uint32_t running_version;
    ota_run_t run;
    uint32_t run_slot;
    uint32_t flash_errors; /* verdict marks that did not program (the next boot settles them) */
} ota_rx_t;

/* running_version: the model the node booted (0: none). VIGIL_ERR_ARG for a bad config. */
VIGIL_NODISCARD vigil_status_t ota_init(ota_rx_t *rx, const ota_config_t *cfg, uint32_t running_version);

/* True for the request types ota_handle takes (0x20-0x25). */
bool ota_handles(uint8_t type);

/*
 * Handles one request; writes the response's type (ACK, NACK or MODEL_STATUS) and payload
 * (out holds OTA_RESPONSE_MAX bytes).
 */
void ota_handle(ota_rx_t *rx, uint8_t type, const uint8_t *payload, size_t len, uint8_t *out_type, uint8_t *out,
                size_t *out_len);

/* One feature window of the running model: healthy (inference ran and its score is finite) or not.
 * On trial: the confirm_after-th healthy window confirms it; an unhealthy one reverts. */
void ota_window(ota_rx_t *rx, bool healthy);

/* What the node must load now (once: the request is cleared). */
ota_run_t ota_take_run(ota_rx_t *rx, uint32_t *slot);

/* Where the receiver stands, as MODEL_STATUS carries it: state, trial progress, the largest chunk, the
 * running version and, during a transfer or trial, its size, version, hash and the offset held. */
void ota_status(const ota_rx_t *rx, msg_model_status_t *st);

#endif /* OTA_TRANSFER_H */
