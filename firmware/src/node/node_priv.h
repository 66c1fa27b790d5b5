/*
 * The node core's private interface: what its files (node.c, node_link.c, node_config.c,
 * node_model.c, node_stream.c, node_secure.c) call in each other. Boards and tests use node.h only.
 * li is a link index (NODE_LINK_*), seq the frame's sequence number (docs/protocol.md §2).
 */
#ifndef NODE_NODE_PRIV_H
#define NODE_NODE_PRIV_H

#include "node.h"

#include "../proto/le.h"

/* strlen of the node's own short strings (newlib's word-at-a-time strlen is 220 bytes of flash). */
static inline size_t node_str_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

/* The version field of a blob that is too short or broken to parse: 0 (model-format §2.1 +12). */
static inline uint32_t node_blob_version(const uint8_t *blob, size_t len)
{
    return len >= NN_MODEL_HEADER_LEN ? proto_get_u32le(&blob[12]) : 0u;
}

/* ---- node_stream.c ---- */

/* The alarm threshold the node states (HELLO STATE, FEATURES state; protocol.md §3.1, 1.4): the
 * running model's or learned baseline's, as a score; MSG_NO_THRESHOLD when none applies now. */
float node_threshold(const node_t *node);

/* ---- node.c: dispatch ---- */

/* CONFIG_SET or STREAM, in the clear (authed false) or from inside a verified SECURE. */
void node_on_command(node_t *node, size_t li, uint16_t seq, uint8_t type, const uint8_t *p, size_t len,
                     bool authed);

/* ---- node_ota.c: model transfer ---- */

/* A model transfer request (0x20-0x25), in the clear (authed false) or from inside a verified SECURE. */
void node_on_ota(node_t *node, size_t li, uint16_t seq, uint8_t type, const uint8_t *p, size_t len, bool authed);
/* One window's verdict on the running model (score: the window's anomaly score). */
void node_ota_window(node_t *node, float score);

/* ---- node_link.c: what goes out ---- */

/* One frame on link li; links sending the same frame with the same seq share one encoding. */
vigil_status_t node_link_send(node_t *node, size_t li, uint8_t type, uint16_t seq, const uint8_t *payload,
                              size_t payload_len);
/* A frame with each link's own seq on every sending link whose mode has a bit of mask (0: all);
 * true when at least one link took it. */
bool node_send_all(node_t *node, uint8_t mask, uint8_t type, const uint8_t *payload, size_t len);
void node_send_nack(node_t *node, size_t li, uint16_t seq, uint8_t req_type, uint8_t reason, uint16_t detail);
void node_send_ack(node_t *node, size_t li, uint16_t seq, uint8_t req_type);
/* LOG: text, then number in decimal unless it is UINT32_MAX. */
void node_send_log(node_t *node, uint8_t level, uint16_t code, const char *text, uint32_t number);
vigil_status_t node_send_hello_on(node_t *node, size_t li, uint16_t seq);
/* An unsolicited HELLO on every sending link; flush: a 0x00 before each. Returns the wired link's status. */
vigil_status_t node_hello_all(node_t *node, bool flush);
/* LOG 7 (frames dropped), at most once a second. */
void node_log_drops(node_t *node);

/* ---- node_config.c: configuration and identity ---- */

bool node_valid_range_g(uint32_t g);
/* A name from the wire: 1..32 bytes without NUL. */
bool node_valid_name(const uint8_t *p, size_t n);
/* Applies a stored identity record when it is valid for this node (else nothing). */
void node_apply_identity(node_t *node, const uint8_t *r, size_t len);
void node_velocity_replan(node_t *node);
vigil_status_t node_save_identity(node_t *node);
void node_send_config(node_t *node, size_t li, uint16_t seq);
void node_on_config_set(node_t *node, size_t li, uint16_t seq, const msg_config_t *c);

/* ---- node_model.c: the model ---- */

/* LOG model loaded / refused now, or after the boot HELLO when not booted yet. */
void node_model_log(node_t *node, uint8_t code, uint32_t version);
/* Re-checks the loaded model against the node's feature spec (after a hop change). */
void node_revalidate_model(node_t *node);

/* ---- node_baseline.c: the node's own baseline (docs/detection.md §3) ---- */

/* No model runs: the learned baseline from the record detects, else the node learns (the record's
 * period, or the configured one). */
void node_baseline_resume(node_t *node);
/* One window's log bands (axis-major) through the baseline: sets node->detector_state and
 * learn_percent, returns the detector's verdict, *score (MSG_FEATURES_NO_MODEL unless scored). */
nn_detector_change_t node_baseline_window(node_t *node, const float *bands, float *score);
/* After the window's frames went out: stores a baseline that has just finished learning. */
void node_baseline_after_window(node_t *node);

/* ---- node_stream.c: windows, FEATURES, EVENT, RAW_BLOCK ---- */

/* Restarts every link's raw block at the next sample (a new stream, or a new scale). */
void node_raw_restart_all(node_t *node);
/* The feature stream from window 0: empty windows, detector cleared. */
void node_restart_windows(node_t *node);
/* Ends an alarm in progress (EVENT state 0) before the detector or its model goes away; call while
 * node->model is still the model that raised it. */
void node_end_alarm(node_t *node);
/* Tells a host that just asked HELLO_REQ on link li of an alarm in progress (EVENT state 1 again). */
void node_resend_alarm(node_t *node, size_t li);
void node_on_samples_in(node_t *node, size_t li, const frame_view_t *v);
void node_on_stream(node_t *node, size_t li, uint16_t seq, const msg_stream_t *m);
/* EVENT (§3.3) of the detector's current event, started or ended. */
void node_send_event(node_t *node, uint8_t state);

/* ---- node_secure.c: key, nonces, PAIR, SECURE, TIME ---- */

/* A fresh SECURE nonce for link l (its counter back to 0). */
void node_new_nonce(node_t *node, node_link_t *l);
void node_on_secure(node_t *node, size_t li, const frame_view_t *v);
void node_on_pair(node_t *node, size_t li, const frame_view_t *v);
void node_on_time_req(node_t *node, size_t li, const frame_view_t *v);

#endif
