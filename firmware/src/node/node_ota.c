/*
 * The node's side of a model transfer (docs/protocol.md §3.14, §6.4): requests 0x20-0x25 go to the
 * receiver (ota/transfer.c), which answers them; the node then loads the model it names, and tells
 * it every window whether the model on trial ran healthily.
 */
#include "node_priv.h"

#include <math.h>
#include <string.h>

vigil_status_t node_ota_init(node_t *node, struct store_s *store, const uint8_t *builtin, size_t builtin_len,
                             uint8_t confirm_after)
{
    const ota_config_t cfg = {
        .store = store,
        .key = node->key,
        .check = node_accept_model,
        .check_ctx = node,
        .confirm_after = confirm_after,
        .builtin_version = builtin != NULL ? node_blob_version(builtin, builtin_len) : 0u,
    };
    node->ota_on = false;
    const vigil_status_t st = ota_init(&node->ota, &cfg, node->model_ok ? node->run.nn.model.model_version : 0u);
    if (st != VIGIL_OK) {
        return st;
    }
    node->ota_on = true;
    node->ota_builtin = builtin;
    node->ota_builtin_len = builtin_len;
    node->hello.info.capabilities |= MSG_CAP_MODEL_UPDATE;
    return VIGIL_OK;
}

/* Loads what the receiver names: a store slot, or the built-in model. A model on trial the node
 * refuses ends the trial: the receiver reverts, and the model that ran before is loaded again. */
static void apply_run(node_t *node)
{
    for (unsigned attempt = 0; attempt < 2u; attempt++) {
        uint32_t slot = 0;
        const ota_run_t run = ota_take_run(&node->ota, &slot);
        vigil_status_t st = VIGIL_ERR_ARG;
        if (run == OTA_RUN_NONE) {
            return;
        }
        if (run == OTA_RUN_SLOT) {
            const store_t *s = node->ota.cfg.store;
            st = node_set_model(node, s->flash->read(s->flash, slot), store_slot_info(s, slot).length,
                                (uint8_t)(MSG_MODEL_SOURCE_SLOT0 + slot));
        } else if (node->ota_builtin != NULL) {
            st = node_set_model(node, node->ota_builtin, node->ota_builtin_len, MSG_MODEL_SOURCE_BUILTIN);
        }
        if (st == VIGIL_OK) {
            return;
        }
        if (run == OTA_RUN_BUILTIN) {
            node_clear_model(node); /* the store's model is gone and nothing replaces it */
            return;
        }
        ota_window(&node->ota, false);
    }
}

void node_on_ota(node_t *node, size_t li, uint16_t seq, uint8_t type, const uint8_t *p, size_t len, bool authed)
{
    if (!node->ota_on) {
        node->stats.rx_unknown_type++;
        node_send_nack(node, li, seq, type, MSG_NACK_UNKNOWN_TYPE, 0);
        return;
    }
    /* §3.13: over Bluetooth LE a model transfer request needs SECURE, like CONFIG_SET; MODEL_CHUNK
     * may come in the clear, because the image it belongs to is authenticated as a whole: BEGIN's
     * tag binds its SHA-256, and COMMIT hashes the slot before anything runs (§3.14). */
    if (li == NODE_LINK_BLE && !authed && type != MSG_TYPE_MODEL_CHUNK) {
        node_send_nack(node, li, seq, type, MSG_NACK_AUTH_REQUIRED, 0);
        return;
    }
    uint8_t out[OTA_RESPONSE_MAX];
    uint8_t out_type = 0;
    size_t out_len = 0;
    ota_handle(&node->ota, type, p, len, &out_type, out, &out_len);
    node->tx_len = 0;
    (void)node_link_send(node, li, out_type, seq, out, out_len);
    apply_run(node);
}

void node_ota_window(node_t *node, float score)
{
    if (!node->ota_on) {
        return;
    }
    ota_window(&node->ota, node->model_ok && isfinite(score));
    apply_run(node);
}
