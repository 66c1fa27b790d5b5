#include "model.h"
#include "speed.h"

#include <math.h>
#include <string.h>

#include "../crypto/sha256.h"
#include "../proto/crc32.h"
#include "../proto/le.h"

#define PAD4(n) (((n) + 3u) & ~(size_t)3u)

/* Record bytes (§2.4): dense, or block-sparse (§2.4.1) with `stored` blocks of 2x4. */
static size_t layer_record_size(size_t in, size_t out, bool sparse, size_t stored)
{
    if (sparse) {
        return 16u + 16u * out + 4u * (out / 2u) * ((in / 4u + 31u) / 32u) + 8u * stored;
    }
    return PAD4(16u + 16u * out + out * in);
}

/* The block mask of a block-sparse layer (§2.4.1): whole 2x4 blocks, the mask inside the blob
 * before `end`, no bit past the layer's inputs. Returns the stored blocks, or -1 if malformed. */
__attribute__((noinline, cold)) static int32_t sparse_mask_check(const uint8_t *b, size_t p, uint32_t in, uint32_t out, size_t end)
{
    if ((in & 3u) != 0 || (out & 1u) != 0) {
        return -1;
    }
    const uint32_t cols = in / 4u, words = (cols + 31u) / 32u;
    const size_t at = p + 16u + 16u * out;
    if (at + 4u * (out / 2u) * words > end) {
        return -1;
    }
    int32_t stored = 0;
    for (uint32_t i = 0; i < (out / 2u) * words; i++) {
        const uint32_t m = proto_get_u32le(&b[at + 4u * i]);
        const uint32_t valid = cols - 32u * (i % words); /* columns of this word, if under 32 */
        if (valid < 32u && (m << valid) != 0u) {
            return -1;
        }
        for (uint32_t v = m; v != 0u; v &= v - 1u) {
            stored++;
        }
    }
    return stored;
}

static bool pos_finite(float x)
{
    return x > 0.0f && x <= 3.4028234663852886e38f; /* also false for NaN */
}

size_t nn_spec_bytes(const dsp_feature_spec_t *s, uint8_t *out, size_t cap)
{
    const size_t n = NN_SPEC_BYTES_LEN(s->band_count);
    if (n > cap) {
        return 0;
    }
    proto_put_u16le(&out[0], NN_FEATURE_SPEC_VERSION);
    proto_put_u16le(&out[2], s->band_count);
    proto_put_u16le(&out[4], s->window_len);
    proto_put_u16le(&out[6], s->hop);
    proto_put_u16le(&out[8], s->segment_len);
    proto_put_u16le(&out[10], 0);
    proto_put_f32le(&out[12], (float)s->sample_rate_hz);
    proto_put_f32le(&out[16], s->velocity_lo_hz);
    proto_put_f32le(&out[20], s->velocity_hi_hz);
    for (size_t i = 0; i <= s->band_count; i++) {
        proto_put_u16le(&out[24 + 2 * i], s->band_edges[i]);
    }
    return n;
}

/* The rules of models/features validateFeatureSpec on the stored spec (§2.2). */
static bool spec_bytes_valid(const uint8_t *p, uint16_t bands)
{
    const uint32_t win = proto_get_u16le(&p[4]), hop = proto_get_u16le(&p[6]);
    const uint32_t seg = proto_get_u16le(&p[8]);
    const float fs = proto_get_f32le(&p[12]), lo = proto_get_f32le(&p[16]), hi = proto_get_f32le(&p[20]);
    if (proto_get_u16le(&p[0]) != NN_FEATURE_SPEC_VERSION || proto_get_u16le(&p[2]) != bands) {
        return false;
    }
    if (!pos_finite(fs) || win < 2 || win > 8192 || (win & (win - 1u)) || hop < 1 || hop > win ||
        seg < 2 || (seg & (seg - 1u)) || seg > win || !(lo > 0.0f) || !(hi > lo)) {
        return false;
    }
    uint32_t prev = 0;
    for (size_t i = 0; i <= bands; i++) {
        const uint32_t e = proto_get_u16le(&p[24 + 2 * i]);
        if ((i == 0 && e < 1) || e > seg / 2u + 1u || (i > 0 && e <= prev)) {
            return false;
        }
        prev = e;
    }
    return true;
}

vigil_status_t nn_model_parse(nn_model_t *m, const uint8_t *b, size_t len, const uint8_t *key)
{
    if (m == NULL || b == NULL || ((uintptr_t)b & 3u) != 0) {
        return VIGIL_ERR_ARG;
    }
    /* 1. header basics */
    if (len < NN_MODEL_HEADER_LEN) {
        return VIGIL_ERR_TRUNCATED;
    }
    if (memcmp(b, "VGMD", 4) != 0) {
        return VIGIL_ERR_MAGIC;
    }
    if (proto_get_u16le(&b[4]) != NN_MODEL_FORMAT_VERSION) {
        return VIGIL_ERR_VERSION;
    }
    if (proto_get_u16le(&b[6]) != NN_MODEL_HEADER_LEN) {
        return VIGIL_ERR_INVALID;
    }
    /* 2. length */
    const uint32_t total = proto_get_u32le(&b[8]);
    if (total > len) {
        return VIGIL_ERR_TRUNCATED;
    }
    if (total < NN_MODEL_HEADER_LEN + 36u) {
        return VIGIL_ERR_INVALID;
    }
    /* 3. integrity, then authenticity */
    const uint32_t crc_off = proto_get_u32le(&b[44]);
    if (crc_off != total - 36u) {
        return VIGIL_ERR_INVALID;
    }
    if (proto_crc32_u8(b, crc_off) != proto_get_u32le(&b[crc_off])) {
        return VIGIL_ERR_CRC;
    }
    if (key != NULL) {
        uint8_t tag[SHA256_DIGEST_LEN];
        hmac_sha256(key, NN_MODEL_KEY_LEN, b, crc_off + 4u, tag);
        if (!crypto_equal_ct(tag, &b[crc_off + 4u], NN_MODEL_TAG_LEN)) {
            return VIGIL_ERR_AUTH;
        }
    }

    /* 4. structure and ranges (§2.1 - 2.6) */
    memset(m, 0, sizeof *m);
    m->blob = b;
    m->total_len = total;
    m->model_version = proto_get_u32le(&b[12]);
    const uint32_t d = proto_get_u16le(&b[16]);
    m->input_dim = (uint16_t)d;
    m->max_width = proto_get_u16le(&b[18]);
    const uint32_t nl = b[20];
    const uint32_t na = b[21];
    m->layer_count = (uint8_t)nl;
    m->axis_count = (uint8_t)na;
    const uint32_t flags = proto_get_u16le(&b[22]);
    m->single_rounding = (flags & NN_MODEL_FLAG_SINGLE_ROUNDING) != 0u;
    if (m->model_version < 1 || (flags & ~NN_MODEL_FLAGS_KNOWN) != 0u || d < 1 || d > NN_INPUT_MAX ||
        nl < 1 || nl > NN_LAYERS_MAX || na < 1 || na > 3 ||
        proto_get_u32le(&b[24]) != NN_MODEL_HEADER_LEN) {
        return VIGIL_ERR_INVALID;
    }

    const size_t spec = NN_MODEL_HEADER_LEN;
    if (spec + 56u > crc_off) {
        return VIGIL_ERR_INVALID;
    }
    const uint32_t bands = proto_get_u16le(&b[spec + 34u]);
    if (bands < 1 || bands > NN_BANDS_MAX_FILE) {
        return VIGIL_ERR_INVALID;
    }
    const size_t spec_end = spec + 32u + NN_SPEC_BYTES_LEN(bands);
    if (spec_end > crc_off) {
        return VIGIL_ERR_INVALID;
    }
    uint8_t h[SHA256_DIGEST_LEN];
    sha256(&b[spec + 32u], NN_SPEC_BYTES_LEN(bands), h);
    if (memcmp(h, &b[spec], SHA256_DIGEST_LEN) != 0 || !spec_bytes_valid(&b[spec + 32u], (uint16_t)bands) ||
        na * bands != d) {
        return VIGIL_ERR_INVALID;
    }
    m->spec_hash = &b[spec];
    m->spec_bytes = &b[spec + 32u];
    m->band_count = (uint16_t)bands;

    /* Layer dimensions first: the layout follows from the sizes (§2), every read bounded. */
    const size_t input_off = PAD4(spec_end);
    const size_t layers_off = input_off + 12u + 8u * d;
    if (proto_get_u32le(&b[28]) != input_off || proto_get_u32le(&b[32]) != layers_off) {
        return VIGIL_ERR_INVALID;
    }
    size_t p = layers_off;
    uint32_t prev_out = d, widest = d;
    for (size_t l = 0; l < nl; l++) {
        if (p + 16u > crc_off) {
            return VIGIL_ERR_INVALID;
        }
        const uint32_t in = proto_get_u16le(&b[p]), out = proto_get_u16le(&b[p + 2u]);
        const uint8_t storage = b[p + 5u];
        if (out < 1 || out > NN_INPUT_MAX || in != prev_out || storage > NN_STORAGE_BLOCK_SPARSE) {
            return VIGIL_ERR_INVALID;
        }
        nn_layer_view_t *lv = &m->layer[l];
        lv->in_dim = (uint16_t)in;
        lv->out_dim = (uint16_t)out;
        lv->bias = &b[p + 16u];
        lv->multiplier = &b[p + 16u + 4u * out];
        lv->shift = &b[p + 16u + 8u * out];
        lv->weights = (const int8_t *)&b[p + 16u + 16u * out];
        int32_t stored = 0;
        if (storage == NN_STORAGE_BLOCK_SPARSE) {
            stored = sparse_mask_check(b, p, in, out, crc_off);
            if (stored < 0) {
                return VIGIL_ERR_INVALID;
            }
            lv->mask = &b[p + 16u + 16u * out];
            lv->mask_words = (uint16_t)((in / 4u + 31u) / 32u);
            lv->stored_blocks = (uint32_t)stored;
            lv->weights = (const int8_t *)&lv->mask[4u * (out / 2u) * lv->mask_words];
        }
        prev_out = out;
        widest = out > widest ? out : widest;
        p += layer_record_size(in, out, lv->mask != NULL, (size_t)stored);
        if (p > crc_off) {
            return VIGIL_ERR_INVALID;
        }
    }
    const size_t detector_off = p;
    const size_t selftest_off = detector_off + 12u;
    const size_t speed_off = selftest_off + PAD4(6u * d) + 4u;
    if ((flags & NN_MODEL_FLAG_SPEED_SECTION) != 0u) {
#if NN_SPEED_SECTION
        if (speed_off > crc_off || nn_speed_check(&b[speed_off], crc_off - speed_off, (uint16_t)d) == VIGIL_ERR_INVALID) {
            return VIGIL_ERR_INVALID;
        }
        m->speed_section = &b[speed_off];
        m->speed_len = (uint32_t)(crc_off - speed_off);
#else
        return VIGIL_ERR_LIMIT; /* this build has no speed scorer (speed.h NN_SPEED_SECTION) */
#endif
    }
    const size_t expect_crc = m->speed_section != NULL ? crc_off : speed_off;
    if (prev_out != d || expect_crc != crc_off || proto_get_u32le(&b[36]) != detector_off ||
        proto_get_u32le(&b[40]) != selftest_off || m->max_width != widest) {
        return VIGIL_ERR_INVALID;
    }
    for (size_t i = spec_end; i < input_off; i++) {
        if (b[i] != 0) {
            return VIGIL_ERR_INVALID;
        }
    }

    /* input (§2.3) */
    if (b[input_off] != na) {
        return VIGIL_ERR_INVALID;
    }
    for (size_t a = 0; a < 3; a++) {
        const uint8_t ax = b[input_off + 1u + a];
        if (a < na) {
            if (ax > 2 || (a > 0 && ax == m->axes[0]) || (a > 1 && ax == m->axes[1])) {
                return VIGIL_ERR_INVALID;
            }
            m->axes[a] = ax;
        } else if (ax != 0xFFu) {
            return VIGIL_ERR_INVALID;
        }
    }
    m->s_in = proto_get_f32le(&b[input_off + 4u]);
    m->z_in = (int32_t)proto_get_u32le(&b[input_off + 8u]);
    if (!pos_finite(m->s_in) || m->z_in < -128 || m->z_in > 127) {
        return VIGIL_ERR_INVALID;
    }
    m->mean = &b[input_off + 12u];
    m->in_mul = &b[input_off + 12u + 4u * d];
    for (size_t i = 0; i < d; i++) {
        const float mean = proto_get_f32le(&m->mean[4 * i]);
        if (!(fabsf(mean) <= 3.4028234663852886e38f) || !pos_finite(proto_get_f32le(&m->in_mul[4 * i]))) {
            return VIGIL_ERR_INVALID;
        }
    }

    /* layers (§2.4) */
    p = layers_off;
    for (size_t l = 0; l < nl; l++) {
        nn_layer_view_t *lv = &m->layer[l];
        const uint8_t act = b[p + 4u];
        lv->s_y = proto_get_f32le(&b[p + 8u]);
        lv->z_y = (int32_t)proto_get_u32le(&b[p + 12u]);
        if (act > 1 || b[p + 6u] || b[p + 7u] || !pos_finite(lv->s_y) || lv->z_y < -128 ||
            lv->z_y > 127) {
            return VIGIL_ERR_INVALID;
        }
        lv->relu = act == 1;
        for (size_t o = 0; o < lv->out_dim; o++) {
            const int32_t mult = (int32_t)proto_get_u32le(&lv->multiplier[4 * o]);
            const int32_t shift = (int32_t)proto_get_u32le(&lv->shift[4 * o]);
            if ((mult != 0 && mult < 0x40000000) || shift < -31 || shift > 0) {
                return VIGIL_ERR_INVALID;
            }
        }
        const size_t n_weights = lv->mask != NULL ? 8u * (size_t)lv->stored_blocks : (size_t)lv->out_dim * lv->in_dim;
        for (size_t i = 0; i < n_weights; i++) {
            if (lv->weights[i] == -128) {
                return VIGIL_ERR_INVALID;
            }
        }
        if (l == nl - 1u && (lv->relu || lv->s_y != m->s_in || lv->z_y != m->z_in)) {
            return VIGIL_ERR_INVALID; /* the output must share the input's quantisation (§1) */
        }
        p += layer_record_size(lv->in_dim, lv->out_dim, lv->mask != NULL, lv->stored_blocks);
    }

    /* detector (§2.5) */
    m->threshold_sumsq = proto_get_u32le(&b[detector_off]);
    /* detector_off + 4: reserved (threshold_score), ignored */
    m->debounce_k = b[detector_off + 8u];
    m->debounce_n = b[detector_off + 9u];
    if (m->debounce_n < 1 || m->debounce_n > 32 || m->debounce_k < 1 || m->debounce_k > m->debounce_n ||
        proto_get_u16le(&b[detector_off + 10u]) != 0) {
        return VIGIL_ERR_INVALID;
    }

    /* self-test (§2.6) */
    m->selftest_input = &b[selftest_off];
    m->selftest_q_in = (const int8_t *)&b[selftest_off + 4u * d];
    m->selftest_q_out = (const int8_t *)&b[selftest_off + 5u * d];
    m->selftest_sumsq = proto_get_u32le(&b[selftest_off + PAD4(6u * d)]);
    return VIGIL_OK;
}

vigil_status_t nn_model_check_node(const nn_model_t *m, const dsp_feature_spec_t *node_spec,
                                   size_t node_axes, uint32_t min_version)
{
    uint8_t bytes[NN_SPEC_BYTES_LEN(DSP_BANDS_MAX)];
    const size_t n = nn_spec_bytes(node_spec, bytes, sizeof bytes);
    uint8_t h[SHA256_DIGEST_LEN];
    sha256(bytes, n, h);
    if (n == 0 || memcmp(h, m->spec_hash, SHA256_DIGEST_LEN) != 0) {
        return VIGIL_ERR_SPEC;
    }
    for (size_t a = 0; a < m->axis_count; a++) {
        if (m->axes[a] >= node_axes) {
            return VIGIL_ERR_SPEC;
        }
    }
    if (m->model_version <= min_version) {
        return VIGIL_ERR_ROLLBACK;
    }
    return VIGIL_OK;
}
