/* What the node sends on its links: one frame (shared encoding across links), ACK, NACK, LOG,
 * HELLO (docs/protocol.md §2, §3.1, §3.12). */
#include "node_priv.h"

#include <string.h>

#include "../proto/le.h"
#include "../store/store.h"

/* Sends one frame on link li. Links that send the same frame with the same seq share one encoding
 * (at boot every link streams features in step: one CRC + COBS pass per window, not two). */
vigil_status_t node_link_send(node_t *node, size_t li, uint8_t type, uint16_t seq, const uint8_t *payload,
                                size_t payload_len)
{
    node_link_t *l = &node->link[li];
    vigil_status_t st = VIGIL_OK;
    if (node->tx_len == 0 || node->tx_type != type || node->tx_seq != seq || node->tx_payload != payload) {
        node->tx_len = 0;
        st = frame_build(type, seq, payload, payload_len, node->tx, sizeof node->tx, &node->tx_len);
        node->tx_type = type;
        node->tx_seq = seq;
        node->tx_payload = payload;
    }
    if (st == VIGIL_OK) {
        st = l->write(l->write_ctx, node->tx, node->tx_len);
    }
    if (st != VIGIL_OK) {
        node->stats.tx_dropped++;
        l->tx_dropped++;
        if (type != MSG_TYPE_LOG && l->heard) {
            node->drops_unlogged++;
        }
    }
    return st;
}

/* A frame on the node's own initiative (its own seq) on every link whose mode has a bit of mask
 * (mask 0: every link that sends). The payload buffer must not change between the links. */
bool node_send_all(node_t *node, uint8_t mask, uint8_t type, const uint8_t *payload, size_t len)
{
    bool sent = false;
    node->tx_len = 0;
    for (size_t i = 0; i < NODE_SEND_LINKS; i++) {
        node_link_t *l = &node->link[i];
        if (l->write != NULL && (mask == 0 || (l->mode & mask) != 0)) {
            sent |= node_link_send(node, i, type, l->seq++, payload, len) == VIGIL_OK;
        }
    }
    node->tx_len = 0; /* the payload buffer may be reused for something else next */
    return sent;
}

void node_send_nack(node_t *node, size_t li, uint16_t seq, uint8_t req_type, uint8_t reason, uint16_t detail)
{
    const msg_nack_t m = {.req_type = req_type, .reason = reason, .detail = detail};
    uint8_t p[MSG_NACK_LEN];
    size_t n = 0;
    if (msg_nack_encode(&m, p, sizeof p, &n) != VIGIL_OK) {
        return; /* cannot happen: the buffer fits */
    }
    node->tx_len = 0;
    (void)node_link_send(node, li, MSG_TYPE_NACK, seq, p, n);
    node->stats.nacks_sent++;
}

void node_send_ack(node_t *node, size_t li, uint16_t seq, uint8_t req_type)
{
    node->tx_len = 0;
    (void)node_link_send(node, li, MSG_TYPE_ACK, seq, &req_type, 1);
}

/* LOG (§3.12) on every link whose stream mode is not 0; text, then number in decimal unless it
 * is UINT32_MAX. */
void node_send_log(node_t *node, uint8_t level, uint16_t code, const char *text, uint32_t number)
{
    uint8_t p[MSG_LOG_HEADER_LEN + MSG_LOG_TEXT_MAX];
    size_t n = node_str_len(text);
    memcpy(&p[MSG_LOG_HEADER_LEN], text, n);
    if (number != UINT32_MAX) {
        char digits[10];
        size_t k = 0;
        do {
            digits[k++] = (char)('0' + number % 10u);
            number /= 10u;
        } while (number != 0);
        while (k > 0) {
            p[MSG_LOG_HEADER_LEN + n++] = (uint8_t)digits[--k];
        }
    }
    p[0] = level;
    proto_put_u16le(&p[1], code);
    p[3] = (uint8_t)n;
    node->stats.logs_sent += node_send_all(node, MSG_STREAM_FEATURES | MSG_STREAM_RAW, MSG_TYPE_LOG, p,
                                      MSG_LOG_HEADER_LEN + n);
}

/* The slot states for HELLO INFO, from the store's trailers and the blobs' headers. */
static void slot_info(const node_t *node, msg_slot_info_t out[2])
{
    memset(out, 0, 2 * sizeof out[0]);
    if (node->store == NULL || node->store->flash == NULL) {
        return;
    }
    for (uint32_t k = 0; k < 2u; k++) {
        const store_slot_info_t si = store_slot_info(node->store, k);
        out[k].state = (uint8_t)si.state;
        out[k].seq = si.seq;
        if (si.state != STORE_SLOT_EMPTY && si.length >= NN_MODEL_HEADER_LEN) {
            const uint8_t *blob = node->store->flash->read(node->store->flash, k);
            if (blob != NULL && proto_get_u32le(blob) == 0x444D4756u) { /* "VGMD" */
                out[k].model_version = node_blob_version(blob, si.length);
            }
        }
    }
}

vigil_status_t node_send_hello_on(node_t *node, size_t li, uint16_t seq)
{
    const node_link_t *l = &node->link[li];
    msg_hello_info_t *i = &node->hello.info;
    i->link = (uint8_t)li;
    i->paired = node->paired;
    memcpy(i->key_id, node->key_id, MSG_KEY_ID_LEN);
    memcpy(i->link_nonce, l->nonce, MSG_NONCE_LEN);
    i->range_g = node->range_g;
    i->stream_mode = l->mode;
    i->raw_decimation = l->decimation;
    i->model_version = node->model_ok ? node->run.nn.model.model_version : 0u;
    i->model_source = node->model_ok ? node->model_source : MSG_MODEL_SOURCE_NONE;
    i->has_state = true;
    i->detector = node->detector_state;
    i->learn_percent = node->learn_percent;
    i->has_threshold = true;
    i->threshold = node_threshold(node);
    slot_info(node, i->slot);
    uint8_t payload[MSG_HELLO_MAX_LEN];
    size_t len = 0;
    vigil_status_t st = msg_hello_encode(&node->hello, payload, sizeof payload, &len);
    if (st == VIGIL_OK) {
        node->tx_len = 0;
        st = node_link_send(node, li, MSG_TYPE_HELLO, seq, payload, len);
    }
    if (st == VIGIL_OK) {
        node->stats.hello_sent++;
    }
    return st;
}

/* An unsolicited HELLO (the link's own seq) on every link that sends. */
vigil_status_t node_hello_all(node_t *node, bool flush)
{
    vigil_status_t first = VIGIL_ERR_IO;
    for (size_t i = 0; i < NODE_SEND_LINKS; i++) {
        node_link_t *l = &node->link[i];
        if (l->write != NULL) {
            if (flush) {
                static const uint8_t zero = 0x00;
                (void)l->write(l->write_ctx, &zero, 1); /* best effort: it only helps a receiver resync */
            }
            const vigil_status_t st = node_send_hello_on(node, i, l->seq++);
            first = i == 0 ? st : first;
        }
    }
    return first;
}

vigil_status_t node_send_hello(node_t *node)
{
    const vigil_status_t st = node_hello_all(node, true);
    node->booted = true;
    node_send_log(node, MSG_LOG_INFO, MSG_LOG_BOOT, "boot", UINT32_MAX);
    for (uint8_t k = 0; k < node->pending_logs; k++) {
        node_model_log(node, node->pending_log[k], node->pending_version[k]);
    }
    node->pending_logs = 0;
    return st;
}

static uint64_t now_us(const node_t *node)
{
    return node->io.uptime_us != NULL ? node->io.uptime_us(node->io.ctx)
                                          : node_frames_t_us(node->stream_frames, node->hello.sample_rate_hz);
}

/* LOG 7: frames a link could not take, at most once a second. */
void node_log_drops(node_t *node)
{
    if (node->drops_unlogged == 0) {
        return;
    }
    const uint64_t t = now_us(node);
    if (node->drop_log_us != 0 && t - node->drop_log_us < 1000000u) {
        return;
    }
    node->drop_log_us = t ? t : 1u;
    const uint32_t n = node->drops_unlogged;
    const uint32_t logs_before = node->stats.logs_sent;
    node->drops_unlogged = 0;
    node_send_log(node, MSG_LOG_WARNING, MSG_LOG_DROPPED, "frames dropped: ", n);
    if (node->stats.logs_sent == logs_before) {
        node->drops_unlogged += n; /* no link took the LOG either: said with the next one */
    }
}
