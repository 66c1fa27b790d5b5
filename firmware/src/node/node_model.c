/* The node's model: checked before it runs (docs/model-format.md §2.8), swapped in, run per window. */
#include "node_priv.h"

#include <string.h>

#include "../proto/le.h"

static const uint8_t k_zero_key[NN_MODEL_KEY_LEN];

/* Parses, checks and prepares blob into nn; the self-test last, in scratch (cap bytes, 8-aligned). */
static vigil_status_t check_model(node_t *node, node_nn_t *nn, uint8_t *scratch, size_t cap, const uint8_t *blob,
                                  size_t len, const uint8_t *key)
{
    nn_model_t *m = &nn->model;
    vigil_status_t st = nn_model_parse(m, blob, len, key);
    if (st == VIGIL_OK) {
        /* No minimum version here: this check also vets the boot model and a rollback's older one.
         * A newer version is required where an update arrives: at BEGIN and COMMIT against the
         * running model (ota/transfer.c, MODEL_OLDER) and by store_boot against every confirmed
         * slot (store/store.c). */
        st = nn_model_check_node(m, &node->spec, node->hello.axis_count, 0);
    }
    if (st == VIGIL_OK) {
        /* Running, the window's scratch holds the input floats and the model's buffers. */
        const size_t need = 4u * ((size_t)m->input_dim + 1u) + nn_net_scratch_bytes(m);
        if (m->input_dim > NODE_MODEL_INPUT_MAX || need > sizeof node->scratch || nn_net_scratch_bytes(m) > cap) {
            st = VIGIL_ERR_LIMIT;
        }
    }
    if (st == VIGIL_OK) {
        st = nn_net_prepare(&nn->net, m, nn->channels, NODE_NN_CHANNELS_MAX);
    }
    if (st == VIGIL_OK) {
        st = nn_net_selftest(&nn->net, scratch);
    }
    nn->speed_on = false;
#if NN_SPEED_SECTION
    if (st == VIGIL_OK && m->speed_section != NULL) {
        /* VIGIL_ERR_LIMIT: more features than this node's scorer holds (NN_SPEED_MAX_DIM) */
        st = nn_speed_parse(&nn->speed, m->speed_section, m->speed_len, m->input_dim);
        memset(&nn->speed_run, 0, sizeof nn->speed_run);
        nn->speed_peak = 0.0f;
        nn->speed_on = st == VIGIL_OK;
    }
#endif
    return st;
}

/* The prepared model sits at the start of the scratch while a candidate is checked. */
#define CANDIDATE_BYTES ((sizeof(node_nn_t) + 7u) & ~(size_t)7u)
_Static_assert(CANDIDATE_BYTES + 1024u <= sizeof(((node_t *)0)->scratch),
               "the scratch holds a candidate model and its self-test buffers");

/* Checks a candidate blob under key in the scratch (outside a window), beside whatever runs: the
 * running model or the baseline (which share node->run) are left alone. */
static vigil_status_t check_candidate(node_t *node, const uint8_t *blob, size_t len, const uint8_t *key)
{
    uint8_t *s = (uint8_t *)node->scratch;
    return check_model(node, (node_nn_t *)(void *)s, s + CANDIDATE_BYTES, sizeof node->scratch - CANDIDATE_BYTES,
                       blob, len, key);
}

/* Prepares an accepted blob into node->run for running (the baseline's memory, if it ran). */
static vigil_status_t check_running(node_t *node, const uint8_t *blob, size_t len, const uint8_t *key)
{
    return check_model(node, &node->run.nn, (uint8_t *)node->scratch, sizeof node->scratch, blob, len, key);
}

/* A detector for the model just loaded. Event ids go on from the last one: they count events since
 * boot (docs/protocol.md §3.3), so a host never takes the new model's first alarm for the old one's. */
static vigil_status_t restart_detector(node_t *node)
{
    const uint32_t next_id = node->detector.next_id;
    const nn_model_t *m = &node->run.nn.model;
    /* with a speed section the window's verdict is pushed as 1 (over) or 0 */
    const uint32_t threshold = node->run.nn.speed_on ? 0u : m->threshold_sumsq;
    const vigil_status_t st = nn_detector_init(&node->detector, threshold, m->debounce_k, m->debounce_n);
    node->detector.next_id = next_id;
    return st;
}

vigil_status_t node_accept_model(void *ctx, const uint8_t *blob, size_t len)
{
    node_t *node = ctx;
    return check_candidate(node, blob, len, node->key);
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
    vigil_status_t st = blob == NULL ? VIGIL_ERR_ARG : check_candidate(node, blob, len, key);
    if (st == VIGIL_OK) {
        node_end_alarm(node); /* the running model's alarm, in its own terms */
        /* Accepted: it replaces the running model or the node's own baseline (kept in its record). */
        node->model_ok = false;
        node->bl_on = false;
        st = check_running(node, blob, len, key);
    }
    if (st == VIGIL_OK) {
        st = restart_detector(node);
        node->model_ok = st == VIGIL_OK;
        node->model_blob = blob;
        node->model_len = len;
        node->model_source = source;
        node->detector_state = node->model_ok ? MSG_DETECTOR_MODEL : MSG_DETECTOR_NONE;
        node->learn_percent = 0;
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
    node->detector_state = MSG_DETECTOR_NONE;
    node_baseline_resume(node); /* no model: the node's own baseline detects, or learns */
}

/* Re-checks the loaded model against the node's feature spec (after a hop change): it runs only
 * while its spec hash matches (model-format §2.8 check 5). */
void node_revalidate_model(node_t *node)
{
    if (node->model_blob == NULL || node->bl_on) {
        return;
    }
    const bool was = node->model_ok;
    node_end_alarm(node);
    node->model_ok = false;
    const vigil_status_t st = check_running(node, node->model_blob, node->model_len, NULL);
    if (st == VIGIL_OK) {
        node->model_ok = restart_detector(node) == VIGIL_OK;
    }
    node->detector_state = node->model_ok ? MSG_DETECTOR_MODEL : MSG_DETECTOR_NONE;
    if (node->model_ok != was) {
        node_model_log(node, node->model_ok ? MSG_LOG_MODEL_LOADED : MSG_LOG_MODEL_REFUSED,
                  node_blob_version(node->model_blob, node->model_len));
    }
}
