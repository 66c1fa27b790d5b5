/* The node's key and link security: PAIR, SECURE, the per-link nonces, and TIME (docs/protocol.md
 * §3.6, §3.10, §3.13). */
#include "node_priv.h"

#include <string.h>

#include "../crypto/sha256.h"
#include "../proto/le.h"

static bool is_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

/*
 * A link's nonce (docs/protocol.md §3.13, its threat model): SHA-256 of 32 board random bytes, the
 * key, a draw counter, the uptime and the link, so a board whose randomness repeats (QEMU has no
 * RNG) still gives a new nonce at every draw, unknown to anyone without the key. A board whose RNG
 * failed gives zeros: the nonce is then zero and SECURE is refused until a later draw has entropy.
 */
void node_new_nonce(node_t *node, node_link_t *l)
{
    node->nonce_counter++;
    if (node->io.random == NULL) { /* tests: distinct, predictable */
        memset(l->nonce, 0, sizeof l->nonce);
        proto_put_u32le(l->nonce, node->nonce_counter);
    } else {
        uint8_t in[32 + NN_MODEL_KEY_LEN + 4 + 8 + 1];
        node->io.random(node->io.ctx, in, 32);
        if (is_zero(in, 32)) {
            memset(l->nonce, 0, sizeof l->nonce);
        } else {
            const uint64_t t = node->io.uptime_us != NULL ? node->io.uptime_us(node->io.ctx) : 0u;
            memcpy(&in[32], node->key, NN_MODEL_KEY_LEN);
            proto_put_u32le(&in[32 + NN_MODEL_KEY_LEN], node->nonce_counter);
            proto_put_u32le(&in[36 + NN_MODEL_KEY_LEN], (uint32_t)t);
            proto_put_u32le(&in[40 + NN_MODEL_KEY_LEN], (uint32_t)(t >> 32));
            in[44 + NN_MODEL_KEY_LEN] = (uint8_t)(l - node->link);
            uint8_t d[SHA256_DIGEST_LEN];
            sha256(in, sizeof in, d);
            memcpy(l->nonce, d, sizeof l->nonce);
        }
    }
    l->counter = 0;
}

void node_set_key(node_t *node, const uint8_t key[NN_MODEL_KEY_LEN])
{
    memcpy(node->key, key, NN_MODEL_KEY_LEN);
    node->paired = !is_zero(key, NN_MODEL_KEY_LEN);
    uint8_t d[SHA256_DIGEST_LEN] = {0};
    if (node->paired) {
        sha256(key, NN_MODEL_KEY_LEN, d);
    }
    memcpy(node->key_id, d, MSG_KEY_ID_LEN);
}

/* SECURE (§3.13): paired, tag (constant time), counter; then the inner command. */
void node_on_secure(node_t *node, size_t li, const frame_view_t *v)
{
    node_link_t *l = &node->link[li];
    msg_secure_t s;
    uint8_t reason = 0;
    if (msg_secure_decode(v->payload, v->payload_len, &s) != VIGIL_OK) {
        node->stats.rx_bad_payload++;
        reason = MSG_NACK_BAD_PAYLOAD;
    } else if (!node->paired) {
        reason = MSG_NACK_NOT_PAIRED;
    } else if (is_zero(l->nonce, sizeof l->nonce)) {
        reason = MSG_NACK_AUTH_FAILED; /* no entropy for a nonce yet (node_new_nonce) */
    } else {
        uint8_t tag[MSG_SECURE_TAG_LEN];
        msg_secure_tag(node->key, l->nonce, v->seq, s.counter, s.inner_type, s.inner, s.inner_len, tag);
        if (!crypto_equal_ct(tag, s.tag, MSG_SECURE_TAG_LEN)) {
            reason = MSG_NACK_AUTH_FAILED;
        } else if (s.counter <= l->counter) {
            reason = MSG_NACK_REPLAY;
        }
    }
    if (reason != 0) {
        node_send_nack(node, li, v->seq, MSG_TYPE_SECURE, reason, 0);
        if (reason == MSG_NACK_AUTH_FAILED) {
            node->stats.auth_failures++;
            node_send_log(node, MSG_LOG_WARNING, MSG_LOG_AUTH_FAILED, "SECURE tag did not verify on link ",
                     (uint32_t)li);
        }
        return;
    }
    l->counter = s.counter;
    if (ota_handles(s.inner_type)) {
        node_on_ota(node, li, v->seq, s.inner_type, s.inner, s.inner_len, true);
        return;
    }
    if (s.inner_type != MSG_TYPE_CONFIG_SET && s.inner_type != MSG_TYPE_STREAM) {
        node_send_nack(node, li, v->seq, s.inner_type, MSG_NACK_UNSUPPORTED, 0);
        return;
    }
    node_on_command(node, li, v->seq, s.inner_type, s.inner, s.inner_len, true);
}

/* PAIR (§3.6): wired only; key and name stored, ACK, then a fresh HELLO on every link. */
void node_on_pair(node_t *node, size_t li, const frame_view_t *v)
{
    msg_pair_t m;
    if (li != NODE_LINK_WIRED) {
        node_send_nack(node, li, v->seq, MSG_TYPE_PAIR, MSG_NACK_WIRED_ONLY, 0);
        return;
    }
    if (msg_pair_decode(v->payload, v->payload_len, &m) != VIGIL_OK ||
        (m.name_len != 0 && !node_valid_name(m.name, m.name_len))) {
        node->stats.rx_bad_payload++;
        node_send_nack(node, li, v->seq, MSG_TYPE_PAIR, MSG_NACK_BAD_PAYLOAD, 0);
        return;
    }
    node_set_key(node, m.key);
    if (m.name_len != 0) {
        memcpy(node->hello.name, m.name, m.name_len);
        node->hello.name[m.name_len] = '\0';
    }
    if (node_save_identity(node) != VIGIL_OK) {
        node_send_nack(node, li, v->seq, MSG_TYPE_PAIR, MSG_NACK_STORAGE, 0);
    } else {
        node_send_ack(node, li, v->seq, MSG_TYPE_PAIR);
    }
    (void)node_hello_all(node, false);
    node_send_log(node, MSG_LOG_INFO, node->paired ? MSG_LOG_PAIRED : MSG_LOG_UNPAIRED,
             node->paired ? "paired" : "unpaired", UINT32_MAX);
}

void node_on_time_req(node_t *node, size_t li, const frame_view_t *v)
{
    msg_time_t t;
    if (msg_time_req_decode(v->payload, v->payload_len, &t.host_time_us) != VIGIL_OK) {
        node->stats.rx_bad_payload++;
        node_send_nack(node, li, v->seq, MSG_TYPE_TIME_REQ, MSG_NACK_BAD_PAYLOAD, 0);
        return;
    }
    t.uptime_us = node->io.uptime_us != NULL ? node->io.uptime_us(node->io.ctx) : 0u;
    t.stream_t_us = node_frames_t_us(node->stream_frames, node->hello.sample_rate_hz);
    uint8_t p[MSG_TIME_LEN];
    size_t n = 0;
    if (msg_time_encode(&t, p, sizeof p, &n) != VIGIL_OK) {
        return; /* cannot happen: the buffer fits */
    }
    node->tx_len = 0;
    (void)node_link_send(node, li, MSG_TYPE_TIME, v->seq, p, n);
}
