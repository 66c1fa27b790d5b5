/* The node's configuration (CONFIG_GET, CONFIG_SET: docs/protocol.md §3.7) and its identity record
 * (docs/protocol.md §4.3). */
#include "node_priv.h"

#include <string.h>

#include "../proto/crc32.h"
#include "../proto/le.h"

bool node_valid_range_g(uint32_t g)
{
    return g == 2u || g == 4u || g == 8u || g == 16u;
}

/* CONFIG key 4: 0 (unknown) or 0.1 .. 1000 Hz, finite (NaN fails both comparisons). */
static bool valid_shaft(float hz)
{
    return hz == 0.0f || (hz >= 0.1f && hz <= 1000.0f);
}

/* The velocity meter for the node's band (CONFIG key 9) and hop; the meters start again. The
 * feature specification keeps 10-1000 Hz: velocity is no model input, so the band does not change
 * which models the node runs (docs/features.md, "Velocity RMS"). */
void node_velocity_replan(node_t *node)
{
    dsp_velocity_plan_t p;
    if (dsp_velocity_plan_init(&p, node->spec.sample_rate_hz, node->hello.hop, node->slow_machine ? 2.0f : 10.0f,
                               node->spec.velocity_hi_hz) == VIGIL_OK) { /* always: node_init checked them */
        node->feat.vel = p;
    }
    for (size_t a = 0; a < NODE_AXES_MAX; a++) {
        dsp_velocity_restart(&node->velocity[a]);
    }
}

/* A name from the wire: 1..32 bytes without NUL (it is kept NUL-terminated). */
bool node_valid_name(const uint8_t *p, size_t n)
{
    return n >= 1u && n <= MSG_NAME_MAX && memchr(p, 0, n) == NULL;
}

/* Identity record layout (NODE_IDENTITY_LEN = 84):
 *   0 "VGID" | 4 version 1 | 5 range_g | 6 hop u16 | 8 shaft_hz f32 | 12 send_bands | 13 name_len
 *   | 14 name[32] (zero padded) | 46 key[32] | 78 slow_machine | 79 reserved
 *   | 80 CRC-32 of bytes 0..79 (records written before key 9 hold 0 at 78: 10-1000 Hz) */
#define ID_MAGIC 0x44494756u /* "VGID" */

void node_identity_record(const node_t *node, uint8_t out[NODE_IDENTITY_LEN])
{
    memset(out, 0, NODE_IDENTITY_LEN);
    proto_put_u32le(&out[0], ID_MAGIC);
    out[4] = 1;
    out[5] = node->range_g;
    proto_put_u16le(&out[6], node->hello.hop);
    proto_put_f32le(&out[8], node->shaft_hz);
    out[12] = node->send_bands;
    const size_t n = node_str_len(node->hello.name);
    out[13] = (uint8_t)n;
    memcpy(&out[14], node->hello.name, n);
    memcpy(&out[46], node->key, NN_MODEL_KEY_LEN);
    out[78] = node->slow_machine ? 1u : 0u;
    proto_put_u32le(&out[80], proto_crc32_u8(out, 80));
}

bool node_identity_intact(const uint8_t *r)
{
    return proto_get_u32le(&r[0]) == ID_MAGIC && r[4] == 1u && proto_get_u32le(&r[80]) == proto_crc32_u8(r, 80);
}

/* Applies a stored record when it is valid for this node (else nothing). */
void node_apply_identity(node_t *node, const uint8_t *r, size_t len)
{
    if (r == NULL || len < NODE_IDENTITY_LEN || !node_identity_intact(r)) {
        return;
    }
    const uint16_t hop = proto_get_u16le(&r[6]);
    const float shaft = proto_get_f32le(&r[8]);
    if (!node_valid_range_g(r[5]) || hop < 1u || hop > node->hello.window_len || !valid_shaft(shaft) ||
        r[12] > 1u || r[78] > 1u || !node_valid_name(&r[14], r[13])) {
        return;
    }
    node->range_g = r[5];
    node->hello.hop = hop;
    node->shaft_hz = shaft;
    node->send_bands = r[12] != 0;
    node->slow_machine = r[78] != 0;
    memcpy(node->hello.name, &r[14], r[13]);
    node->hello.name[r[13]] = '\0';
    node_set_key(node, &r[46]);
}

vigil_status_t node_save_identity(node_t *node)
{
    if (node->io.save_identity == NULL) {
        return VIGIL_OK; /* kept in RAM (QEMU) */
    }
    uint8_t rec[NODE_IDENTITY_LEN];
    node_identity_record(node, rec);
    return node->io.save_identity(node->io.ctx, rec, sizeof rec);
}

void node_send_config(node_t *node, size_t li, uint16_t seq)
{
    const msg_hello_t *h = &node->hello;
    const uint8_t send_bands = node->send_bands ? 1u : 0u;
    const uint8_t slow = node->slow_machine ? 1u : 0u;
    uint8_t hop[2], shaft[4], window[2], rate[4], learn[4];
    proto_put_u16le(hop, h->hop);
    proto_put_f32le(shaft, node->shaft_hz);
    proto_put_u16le(window, h->window_len);
    proto_put_u32le(rate, h->sample_rate_hz);
    proto_put_u32le(learn, node->learn_windows);
    /* Every key, in key order (protocol.md §3.7). */
    const msg_config_entry_t e[MSG_CFG_KEY_MAX] = {
        {MSG_CFG_NAME, (uint8_t)node_str_len(h->name), (const uint8_t *)h->name},
        {MSG_CFG_RANGE_G, 1, &node->range_g},
        {MSG_CFG_HOP, 2, hop},
        {MSG_CFG_SHAFT_HZ, 4, shaft},
        {MSG_CFG_SEND_BANDS, 1, &send_bands},
        {MSG_CFG_AXIS_COUNT, 1, &h->axis_count},
        {MSG_CFG_WINDOW_LEN, 2, window},
        {MSG_CFG_SAMPLE_RATE_HZ, 4, rate},
        {MSG_CFG_SLOW_MACHINE, 1, &slow},
        {MSG_CFG_LEARN_WINDOWS, 4, learn},
    };
    uint8_t p[1 + 2 * MSG_CFG_KEY_MAX + MSG_NAME_MAX + 1 + 2 + 4 + 1 + 1 + 2 + 4 + 1 + 4];
    size_t n = 0;
    if (msg_config_encode(e, MSG_CFG_KEY_MAX, p, sizeof p, &n) != VIGIL_OK) {
        return; /* cannot happen: p fits the longest name */
    }
    node->tx_len = 0;
    (void)node_link_send(node, li, MSG_TYPE_CONFIG, seq, p, n);
}

/* The size of each key's value (name: 1..32, checked apart; 0 also for the read-only keys). */
static const uint8_t k_cfg_size[MSG_CFG_KEY_MAX + 1] = {0, 0, 1, 2, 4, 1, 0, 0, 0, 1, 4};

/* CONFIG_SET (§3.7): every entry checked first (the first bad one is refused), then all applied. */
void node_on_config_set(node_t *node, size_t li, uint16_t seq, const msg_config_t *c)
{
    uint32_t seen = 0;
    const uint8_t *name = NULL;
    size_t name_len = 0;
    uint8_t range_g = node->range_g, bands = node->send_bands, slow = node->slow_machine;
    uint16_t hop = node->hello.hop;
    float shaft = node->shaft_hz;
    uint32_t learn = 0;
    size_t pos = 0;
    for (size_t i = 0; i < c->count; i++) {
        msg_config_entry_t e;
        msg_config_next(c, &pos, &e);
        uint8_t reason = 0;
        if (e.key == 0 || e.key > MSG_CFG_KEY_MAX) {
            reason = MSG_NACK_UNKNOWN_KEY;
        } else if (e.key > MSG_CFG_SEND_BANDS && e.key < MSG_CFG_SLOW_MACHINE) {
            reason = MSG_NACK_READ_ONLY;
        } else if ((seen & (1u << e.key)) ||
                   (e.key == MSG_CFG_NAME ? e.len < 1u || e.len > MSG_NAME_MAX : e.len != k_cfg_size[e.key])) {
            node_send_nack(node, li, seq, MSG_TYPE_CONFIG_SET, MSG_NACK_BAD_PAYLOAD, 0);
            return;
        } else {
            seen |= 1u << e.key;
            bool ok = true;
            switch (e.key) {
            case MSG_CFG_NAME:
                ok = node_valid_name(e.value, e.len);
                name = e.value;
                name_len = e.len;
                break;
            case MSG_CFG_RANGE_G:
                range_g = e.value[0];
                ok = node_valid_range_g(range_g);
                break;
            case MSG_CFG_HOP:
                hop = proto_get_u16le(e.value);
                ok = hop >= 1u && hop <= node->hello.window_len;
                break;
            case MSG_CFG_SHAFT_HZ:
                shaft = proto_get_f32le(e.value);
                ok = valid_shaft(shaft);
                break;
            case MSG_CFG_SLOW_MACHINE:
                slow = e.value[0];
                ok = slow <= 1u;
                break;
            case MSG_CFG_LEARN_WINDOWS:
                learn = proto_get_u32le(e.value);
                ok = learn >= NODE_LEARN_WINDOWS_MIN && learn <= NODE_LEARN_WINDOWS_MAX;
                break;
            default: /* MSG_CFG_SEND_BANDS */
                bands = e.value[0];
                ok = bands <= 1u;
                break;
            }
            reason = ok ? 0u : MSG_NACK_OUT_OF_RANGE;
        }
        if (reason != 0) {
            node_send_nack(node, li, seq, MSG_TYPE_CONFIG_SET, reason, e.key);
            return;
        }
    }
    if (name != NULL) {
        memcpy(node->hello.name, name, name_len);
        node->hello.name[name_len] = '\0';
    }
    if (range_g != node->range_g) {
        node->range_g = range_g;
        node_raw_restart_all(node); /* one scale per block: the partial block is dropped */
    }
    node->shaft_hz = shaft;
    node->send_bands = bands != 0;
    if (hop != node->hello.hop) {
        node->hello.hop = hop;
        node->spec.hop = hop;
        if (dsp_windower_init(&node->win, node->samples, NODE_SAMPLES_MAX, node->hello.axis_count,
                              node->hello.window_len, hop) == VIGIL_OK) {
            node_restart_windows(node); /* §3.7: the feature stream restarts at window 0 */
        }
        node_revalidate_model(node); /* the hop is part of the model's feature spec */
    }
    if ((slow != 0) != node->slow_machine) {
        node->slow_machine = slow != 0;
        node_velocity_replan(node); /* key 9 (a hop change re-planned it in node_restart_windows) */
    }
    /* Key 10 last: the learner starts from the speed, hop, bands and band set with it. */
    const bool learn_stored = learn == 0 || node_learn(node, learn) == VIGIL_OK;
    if (node_save_identity(node) != VIGIL_OK || !learn_stored) {
        node_send_nack(node, li, seq, MSG_TYPE_CONFIG_SET, MSG_NACK_STORAGE, 0);
    } else {
        node_send_ack(node, li, seq, MSG_TYPE_CONFIG_SET);
    }
    if (seen != 0) {
        node_send_log(node, MSG_LOG_INFO, MSG_LOG_CONFIG, "configuration changed", UINT32_MAX);
    }
}
