/* The node's model: checked before it runs (docs/model-format.md §2.8), swapped in, run per window. */
#include "node_priv.h"

#include <string.h>

#include "../proto/le.h"

static const uint8_t k_zero_key[NN_MODEL_KEY_LEN];

/* Parses, checks and prepares blob into the given model slots; the self-test last. */
static vigil_status_t check_model(node_t *node, const uint8_t *blob, size_t len, const uint8_t *key)
{
    nn_model_t *m = &node->model;
    vigil_status_t st = nn_model_parse(m, blob, len, key);
    if (st == VIGIL_OK) {
        /* No minimum version here: this check also vets the boot model and a rollback's older one.
         * A newer version is required where an update arrives: at BEGIN and COMMIT against the
         * running model (ota/transfer.c, MODEL_OLDER) and by store_boot against every confirmed
         * slot (store/store.c). */
        st = nn_model_check_node(m, &node->spec, node->hello.axis_count, 0);
    }
    if (st == VIGIL_OK) {
        const size_t need = 4u * ((size_t)m->input_dim + 1u) + nn_net_scratch_bytes(m);
        if (m->input_dim > NODE_MODEL_INPUT_MAX || need > sizeof node->scratch) {
            st = VIGIL_ERR_LIMIT;
        }
    }
    if (st == VIGIL_OK) {
        st = nn_net_prepare(&node->net, m, node->channels, NODE_NN_CHANNELS_MAX);
    }
    if (st == VIGIL_OK) {
        st = nn_net_selftest(&node->net, (uint8_t *)node->scratch);
    }
    return st;
}

/* Checks candidate blob under key in the place of the running model (no second set of buffers),
 * then puts the running one back: it passed every check before, from the same bytes, so its tag is
 * not checked again (the key may have changed since: a running model survives PAIR). */
static vigil_status_t check_beside_running(node_t *node, const uint8_t *blob, size_t len, const uint8_t *key)
{
    const vigil_status_t st = check_model(node, blob, len, key);
    if (node->model_ok && check_model(node, node->model_blob, node->model_len, NULL) != VIGIL_OK) {
        node->model_ok = false; /* cannot happen unless the running blob changed under us */
    }
    return st;
}

/* A detector for the model just loaded. Event ids go on from the last one: they count events since
 * boot (docs/protocol.md §3.3), so a host never takes the new model's first alarm for the old one's. */
static vigil_status_t restart_detector(node_t *node)
{
    const uint32_t next_id = node->detector.next_id;
    const vigil_status_t st = nn_detector_init(&node->detector, node->model.threshold_sumsq, node->model.debounce_k,
                                               node->model.debounce_n);
    node->detector.next_id = next_id;
    return st;
}

vigil_status_t node_accept_model(void *ctx, const uint8_t *blob, size_t len)
{
    node_t *node = ctx;
    return check_beside_running(node, blob, len, node->key);
}

void node_model_log(node_t *node, uint8_t code, uint32_t version)
{
    if (node->booted) {
        node_send_log(node, code == MSG_LOG_MODEL_LOADED ? MSG_LOG_INFO : MSG_LOG_WARNING, code,
                 code == MSG_LOG_MODEL_LOADED ? "model loaded, version " : "model refused, version ", version);
    } else if (node->pending_logs < 2u) {
        node->pending_log[node->pending_logs] = code;
        node->pending_version[node->pending_logs++] = version;
    }
}

vigil_status_t node_set_model(node_t *node, const uint8_t *blob, size_t len, uint8_t source)
{
    const uint8_t *key = source == MSG_MODEL_SOURCE_BUILTIN ? k_zero_key : node->key;
    vigil_status_t st = blob == NULL ? VIGIL_ERR_ARG : VIGIL_OK;
    if (st == VIGIL_OK && node->model_ok) {
        st = check_beside_running(node, blob, len, key);
    }
    if (st == VIGIL_OK) {
        node_end_alarm(node); /* the running model's alarm, in its own terms */
        node->model_ok = false;
        st = check_model(node, blob, len, key);
    }
    if (st == VIGIL_OK) {
        st = restart_detector(node);
        node->model_ok = st == VIGIL_OK;
        node->model_blob = blob;
        node->model_len = len;
        node->model_source = source;
    }
    node_model_log(node, st == VIGIL_OK ? MSG_LOG_MODEL_LOADED : MSG_LOG_MODEL_REFUSED,
              blob == NULL ? 0u : node_blob_version(blob, len));
    return st;
}

void node_clear_model(node_t *node)
{
    node_end_alarm(node);
    node->model_ok = false;
    node->model_blob = NULL;
    node->model_source = MSG_MODEL_SOURCE_NONE;
}

/* Re-checks the loaded model against the node's feature spec (after a hop change): it runs only
 * while its spec hash matches (model-format §2.8 check 5). */
void node_revalidate_model(node_t *node)
{
    if (node->model_blob == NULL) {
        return;
    }
    const bool was = node->model_ok;
    node_end_alarm(node);
    node->model_ok = false;
    const vigil_status_t st = check_model(node, node->model_blob, node->model_len, NULL);
    if (st == VIGIL_OK) {
        node->model_ok = restart_detector(node) == VIGIL_OK;
    }
    if (node->model_ok != was) {
        node_model_log(node, node->model_ok ? MSG_LOG_MODEL_LOADED : MSG_LOG_MODEL_REFUSED,
                  node_blob_version(node->model_blob, node->model_len));
    }
}
