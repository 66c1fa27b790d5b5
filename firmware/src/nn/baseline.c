#include "baseline.h"

#include <math.h>
#include <string.h>

#include "../dsp/log10.h"
#include "../proto/crc32.h"
#include "../proto/le.h"

#define VAR_FLOOR 1e-6f
#define LOG10_E 0.43429448190325182765f
#define SCORE_FLOOR 1e-30f
#define IMAGE_VERSION 1u
#define IMAGE_HEADER 16u

void baseline_default_config(baseline_config_t *cfg, uint16_t dim)
{
    cfg->dim = dim;
    cfg->warmup = 8;
    cfg->period_windows = 2048;
    cfg->learn_windows = 500;
    cfg->calibrate_windows = 500;
    cfg->smoothing = 0.25f;
    cfg->span_tolerance = 0.03f;
    cfg->z = 3.0902f;
}

vigil_status_t baseline_init(baseline_t *b, const baseline_config_t *cfg)
{
    if (b == NULL || cfg == NULL || cfg->dim < 1 || cfg->dim > BASELINE_MAX_DIM || cfg->learn_windows < 2 ||
        cfg->calibrate_windows < 2 || !(cfg->smoothing > 0.0f && cfg->smoothing <= 1.0f) ||
        !(cfg->span_tolerance >= 0.0f && cfg->span_tolerance < 1.0f) || !(cfg->z > 0.0f) ||
        cfg->period_windows < (uint32_t)cfg->warmup + cfg->learn_windows + cfg->calibrate_windows) {
        return VIGIL_ERR_ARG;
    }
    memset(b, 0, sizeof *b);
    b->cfg = *cfg;
    return VIGIL_OK;
}

void baseline_restart(baseline_t *b)
{
    b->age = 0;
}

/* |ln(a / b)|, for positive a and b, through the node's log10. */
static float log_ratio_abs(float a, float c)
{
    return fabsf(dsp_log10_f32(a / c)) / LOG10_E;
}

static float slot_var(const baseline_slot_t *s, unsigned i)
{
    const float v = s->m2[i] / (float)(s->n - 1u);
    return v > VAR_FLOOR ? v : VAR_FLOOR;
}

static void learn(baseline_t *b, float rpm)
{
    const baseline_config_t *c = &b->cfg;
    baseline_slot_t *s = NULL;
    for (unsigned k = 0; k < b->slots && s == NULL; k++) {
        if (log_ratio_abs(rpm, b->slot[k].rpm) <= c->span_tolerance) {
            s = &b->slot[k];
        }
    }
    if (s == NULL) {
        if (b->slots == BASELINE_MAX_SLOTS) {
            return;
        }
        s = &b->slot[b->slots++];
        memset(s, 0, sizeof *s);
        s->rpm = rpm;
        s->max_log = -INFINITY;
        s->log_threshold = INFINITY;
    }
    if (s->ready) {
        return;
    }
    if (s->n < c->learn_windows) {
        s->n++;
        const float inv_n = 1.0f / (float)s->n;
        for (unsigned i = 0; i < c->dim; i++) {
            const float d = b->ema[i] - s->mean[i];
            s->mean[i] += d * inv_n;
            s->m2[i] += d * (b->ema[i] - s->mean[i]);
        }
        return;
    }
    float q = 0.0f;
    for (unsigned i = 0; i < c->dim; i++) {
        const float d = b->ema[i] - s->mean[i];
        q += d * d / slot_var(s, i);
    }
    q /= (float)c->dim;
    const float l = dsp_log10_f32(q > SCORE_FLOOR ? q : SCORE_FLOOR);
    s->cn++;
    s->sum_log += l;
    s->sum_log2 += l * l;
    if (l > s->max_log) {
        s->max_log = l;
    }
    if (s->cn == c->calibrate_windows) {
        const float cn = (float)s->cn;
        const float m = s->sum_log / cn;
        const float v = (s->sum_log2 - cn * m * m) / (cn - 1.0f);
        const float t = m + c->z * sqrtf(v > 0.0f ? v : 0.0f);
        s->log_threshold = t > s->max_log ? t : s->max_log;
        for (unsigned i = 0; i < c->dim; i++) {
            s->m2[i] = slot_var(s, i); /* from here on m2 holds the variance */
        }
        s->ready = true;
    }
}

/* The learning period is over: keep the finished slots, by speed. */
static void close_period(baseline_t *b)
{
    unsigned kept = 0;
    for (unsigned k = 0; k < b->slots; k++) {
        if (b->slot[k].ready) {
            if (kept != k) {
                b->slot[kept] = b->slot[k];
            }
            kept++;
        }
    }
    b->slots = (uint8_t)kept;
    for (unsigned k = 1; k < kept; k++) { /* insertion sort, at most 4; swapped bytewise (no 800-byte temporary on the stack) */
        for (unsigned j = k; j > 0 && b->slot[j - 1].rpm > b->slot[j].rpm; j--) {
            uint8_t *x = (uint8_t *)&b->slot[j];
            uint8_t *y = (uint8_t *)&b->slot[j - 1];
            for (size_t i = 0; i < sizeof(baseline_slot_t); i++) {
                const uint8_t t = x[i];
                x[i] = y[i];
                y[i] = t;
            }
        }
    }
    b->cache_rpm = -1.0f;
}

/* Fills the cache for rpm (> 0): inside the learned span or not. */
static void interpolate(baseline_t *b, float rpm)
{
    b->cache_rpm = rpm;
    b->cache_inside = false;
    const unsigned n = b->slots;
    if (n == 0) {
        return;
    }
    const float tol = b->cfg.span_tolerance;
    const baseline_slot_t *first = &b->slot[0];
    const baseline_slot_t *last = &b->slot[n - 1u];
    if ((rpm < first->rpm && log_ratio_abs(rpm, first->rpm) > tol) ||
        (rpm > last->rpm && log_ratio_abs(rpm, last->rpm) > tol)) {
        return;
    }
    unsigned k = 0;
    while (k + 2u < n && rpm > b->slot[k + 1u].rpm) {
        k++;
    }
    const baseline_slot_t *lo = &b->slot[k];
    const baseline_slot_t *hi = &b->slot[k + 1u < n ? k + 1u : n - 1u];
    float t = 0.0f;
    if (lo != hi) {
        t = dsp_log10_f32(rpm / lo->rpm) / dsp_log10_f32(hi->rpm / lo->rpm);
        t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
    }
    for (unsigned i = 0; i < b->cfg.dim; i++) {
        b->cache_mean[i] = lo->mean[i] + t * (hi->mean[i] - lo->mean[i]);
        b->cache_inv_var[i] = 1.0f / (lo->m2[i] + t * (hi->m2[i] - lo->m2[i]));
    }
    b->cache_log_threshold = lo->log_threshold + t * (hi->log_threshold - lo->log_threshold);
    b->cache_inside = true;
}

baseline_step_t baseline_step(baseline_t *b, const float *bands, float rpm)
{
    const baseline_config_t *c = &b->cfg;
    const bool known = rpm > 0.0f && isfinite(rpm);
    if (!known || !(b->last_rpm > 0.0f) || log_ratio_abs(rpm, b->last_rpm) > c->span_tolerance) {
        b->age = 0;
    }
    b->last_rpm = known ? rpm : 0.0f;
    for (unsigned i = 0; i < c->dim; i++) {
        b->ema[i] = b->age == 0 ? bands[i] : b->ema[i] + c->smoothing * (bands[i] - b->ema[i]);
    }
    const bool settled = b->age >= c->warmup;
    if (b->age < UINT32_MAX) {
        b->age++;
    }
    if (baseline_learning(b)) {
        b->elapsed++;
        /* floor(100 elapsed / period) in 32 bits (no 64-bit division on the node); past 42.9 M
         * windows, elapsed / floor(period / 100), which is never below it. */
        const uint32_t pct = b->elapsed <= UINT32_MAX / 100u ? b->elapsed * 100u / c->period_windows
                                                              : b->elapsed / (c->period_windows / 100u);
        if (known && settled) {
            learn(b, rpm);
        }
        if (!baseline_learning(b)) {
            close_period(b);
        }
        return (baseline_step_t){ BASELINE_LEARNING, (uint8_t)(pct < 99u ? pct : 99u), NAN };
    }
    if (known && rpm != b->cache_rpm) {
        interpolate(b, rpm);
    }
    if (!known || !b->cache_inside) {
        return (baseline_step_t){ BASELINE_UNSEEN, 100, NAN };
    }
    float q = 0.0f;
    for (unsigned i = 0; i < c->dim; i++) {
        const float d = b->ema[i] - b->cache_mean[i];
        q += d * d * b->cache_inv_var[i];
    }
    q /= (float)c->dim;
    const float l = dsp_log10_f32(q > SCORE_FLOOR ? q : SCORE_FLOOR);
    return (baseline_step_t){ l > b->cache_log_threshold ? BASELINE_OVER : BASELINE_HEALTHY, 100, q };
}

size_t baseline_image_len(const baseline_t *b)
{
    return IMAGE_HEADER + (size_t)b->slots * (8u + 8u * b->cfg.dim) + 4u;
}

vigil_status_t baseline_save(const baseline_t *b, uint8_t *buf, size_t cap, size_t *len)
{
    if (b == NULL || buf == NULL || len == NULL || baseline_learning(b)) {
        return VIGIL_ERR_ARG;
    }
    const size_t need = baseline_image_len(b);
    if (cap < need) {
        return VIGIL_ERR_NOSPACE;
    }
    memset(buf, 0, IMAGE_HEADER);
    memcpy(buf, "VBL1", 4);
    proto_put_u16le(buf + 4, IMAGE_VERSION);
    proto_put_u16le(buf + 6, b->cfg.dim);
    buf[8] = b->slots;
    uint8_t *p = buf + IMAGE_HEADER;
    for (unsigned k = 0; k < b->slots; k++) {
        const baseline_slot_t *s = &b->slot[k];
        proto_put_f32le(p, s->rpm);
        proto_put_f32le(p + 4, s->log_threshold);
        p += 8;
        for (unsigned i = 0; i < b->cfg.dim; i++, p += 4) {
            proto_put_f32le(p, s->mean[i]);
        }
        for (unsigned i = 0; i < b->cfg.dim; i++, p += 4) {
            proto_put_f32le(p, s->m2[i]);
        }
    }
    proto_put_u32le(p, proto_crc32_u8(buf, (size_t)(p - buf)));
    *len = need;
    return VIGIL_OK;
}

static vigil_status_t parse_image(baseline_t *b, const baseline_config_t *cfg, const uint8_t *buf, size_t len);

vigil_status_t baseline_load(baseline_t *b, const baseline_config_t *cfg, const uint8_t *buf, size_t len)
{
    if (buf == NULL) {
        return VIGIL_ERR_ARG;
    }
    vigil_status_t st = baseline_init(b, cfg);
    if (st == VIGIL_OK) {
        st = parse_image(b, cfg, buf, len);
        if (st != VIGIL_OK && baseline_init(b, cfg) != VIGIL_OK) { /* refused: learn afresh */
            return VIGIL_ERR_ARG; /* unreachable: cfg was accepted above */
        }
    }
    return st;
}

static vigil_status_t parse_image(baseline_t *b, const baseline_config_t *cfg, const uint8_t *buf, size_t len)
{
    if (len < IMAGE_HEADER + 4u) {
        return VIGIL_ERR_TRUNCATED;
    }
    if (memcmp(buf, "VBL1", 4) != 0) {
        return VIGIL_ERR_MAGIC;
    }
    if (proto_get_u16le(buf + 4) != IMAGE_VERSION) {
        return VIGIL_ERR_VERSION;
    }
    if (proto_get_u16le(buf + 6) != cfg->dim) {
        return VIGIL_ERR_SPEC;
    }
    const unsigned slots = buf[8];
    if (slots < 1 || slots > BASELINE_MAX_SLOTS) {
        return VIGIL_ERR_INVALID;
    }
    const size_t need = IMAGE_HEADER + (size_t)slots * (8u + 8u * cfg->dim) + 4u;
    if (len < need) {
        return VIGIL_ERR_TRUNCATED;
    }
    if (proto_get_u32le(buf + need - 4u) != proto_crc32_u8(buf, need - 4u)) {
        return VIGIL_ERR_CRC;
    }
    const uint8_t *p = buf + IMAGE_HEADER;
    for (unsigned k = 0; k < slots; k++) {
        baseline_slot_t *s = &b->slot[k];
        s->rpm = proto_get_f32le(p);
        s->log_threshold = proto_get_f32le(p + 4);
        p += 8;
        for (unsigned i = 0; i < cfg->dim; i++, p += 4) {
            s->mean[i] = proto_get_f32le(p);
        }
        for (unsigned i = 0; i < cfg->dim; i++, p += 4) {
            s->m2[i] = proto_get_f32le(p);
            if (!(s->m2[i] >= VAR_FLOOR) || !isfinite(s->m2[i]) || !isfinite(s->mean[i])) {
                return VIGIL_ERR_INVALID;
            }
        }
        if (!(s->rpm > 0.0f) || !isfinite(s->rpm) || !isfinite(s->log_threshold) || (k > 0 && !(s->rpm > b->slot[k - 1].rpm))) {
            return VIGIL_ERR_INVALID;
        }
        s->ready = true;
    }
    b->slots = (uint8_t)slots;
    b->elapsed = cfg->period_windows;
    b->cache_rpm = -1.0f;
    return VIGIL_OK;
}
