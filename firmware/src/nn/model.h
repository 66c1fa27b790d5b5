/*
 * The model file (docs/model-format.md, format version 1): parse and validate a blob in place.
 * Nothing is copied: the model keeps pointers into the blob (flash, or a RAM slot), every section of
 * which starts 4-aligned. nn_model_parse runs the reader checks 1-4 of §2.8 in their order;
 * nn_model_check_node runs the node's own checks (§2.8 check 5) except the self-test, which needs
 * the inference buffers (nn/infer.h).
 */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../dsp/features.h"
#include "../status.h"

#define NN_MODEL_HEADER_LEN 48u
#define NN_MODEL_TAG_LEN 32u
#define NN_MODEL_KEY_LEN 32u
#define NN_MODEL_FORMAT_VERSION 1u
/* Header flags (§2.1): bit 0 = single-rounding requantization (§1.2); bit 8 = a speed section
 * (§2.9, nn/speed.h) follows the self-test; every other bit must be 0 (block-sparse layers are
 * marked in their own layer records, §2.4.1, not here). */
#define NN_MODEL_FLAG_SINGLE_ROUNDING 0x0001u
#define NN_MODEL_FLAG_SPEED_SECTION 0x0100u
#define NN_MODEL_FLAGS_KNOWN (NN_MODEL_FLAG_SINGLE_ROUNDING | NN_MODEL_FLAG_SPEED_SECTION)
/* Layer record byte +5 (§2.4.1): how the weights are stored. */
#define NN_STORAGE_DENSE 0u
#define NN_STORAGE_BLOCK_SPARSE 1u /* 2x4 blocks: a mask per row pair, then only the stored blocks */
#define NN_FEATURE_SPEC_VERSION 2u
#define NN_LAYERS_MAX 8u
#define NN_INPUT_MAX 1024u
#define NN_BANDS_MAX_FILE 512u
/* Canonical feature-spec bytes (§2.2): 24 + 2 (B + 1). */
#define NN_SPEC_BYTES_LEN(bands) (24u + 2u * ((size_t)(bands) + 1u))

typedef struct {
    uint16_t in_dim;
    uint16_t out_dim;
    bool relu;
    float s_y;
    int32_t z_y;
    const uint8_t *bias;       /* out_dim little-endian int32 */
    const uint8_t *multiplier; /* out_dim little-endian int32 */
    const uint8_t *shift;      /* out_dim little-endian int32 */
    const int8_t *weights;     /* dense: out_dim x in_dim; block-sparse: stored_blocks x 8 */
    const uint8_t *mask;       /* block-sparse: out_dim / 2 x mask_words little-endian u32; NULL if dense */
    uint16_t mask_words;       /* u32 mask words per row pair: ceil(in_dim / 128) */
    uint32_t stored_blocks;
} nn_layer_view_t;

typedef struct {
    const uint8_t *blob;
    uint32_t total_len;
    uint32_t model_version;
    uint16_t input_dim;        /* D = axis_count x band_count */
    uint16_t max_width;
    uint8_t layer_count;
    uint8_t axis_count;
    uint8_t axes[3];           /* node axis feeding input block a */
    bool single_rounding;      /* flag bit 0: LiteRT's single rounding, else TFLite's classic double */
    const uint8_t *spec_hash;  /* 32 bytes */
    const uint8_t *spec_bytes; /* the canonical bytes, NN_SPEC_BYTES_LEN(band_count) */
    uint16_t band_count;
    float s_in;
    int32_t z_in;
    const uint8_t *mean;       /* D little-endian f32 */
    const uint8_t *in_mul;     /* D little-endian f32 */
    nn_layer_view_t layer[NN_LAYERS_MAX];
    uint32_t threshold_sumsq;
    uint8_t debounce_k;
    uint8_t debounce_n;
    const uint8_t *selftest_input; /* D f32 */
    const int8_t *selftest_q_in;   /* D */
    const int8_t *selftest_q_out;  /* D */
    uint32_t selftest_sumsq;
    const uint8_t *speed_section;  /* §2.9, checked by nn_speed_parse; NULL without flag bit 8 */
    uint32_t speed_len;
} nn_model_t;

/*
 * Validates len bytes at blob (reader checks 1-4 of §2.8, in order) and fills m. With key != NULL
 * the HMAC-SHA256 tag must verify under it (VIGIL_ERR_AUTH); NULL skips the tag (the CRC is always
 * checked). Errors: VIGIL_ERR_TRUNCATED, _MAGIC, _VERSION, _CRC, _AUTH, _INVALID; VIGIL_ERR_ARG
 * for a NULL or non-4-aligned blob.
 */
VIGIL_NODISCARD vigil_status_t nn_model_parse(nn_model_t *m, const uint8_t *blob, size_t len,
                                              const uint8_t *key);

/* The canonical feature-spec bytes of a node specification (§2.2); returns their length, or 0 if
 * out does not hold them. */
size_t nn_spec_bytes(const dsp_feature_spec_t *spec, uint8_t *out, size_t cap);

/*
 * The node's checks (§2.8 check 5, without the self-test): the model's spec hash equals the hash of
 * node_spec (VIGIL_ERR_SPEC), it names only axes below node_axes (VIGIL_ERR_SPEC), and its version
 * is above min_version (VIGIL_ERR_ROLLBACK; pass 0 to accept any).
 */
VIGIL_NODISCARD vigil_status_t nn_model_check_node(const nn_model_t *m, const dsp_feature_spec_t *node_spec,
                                                   size_t node_axes, uint32_t min_version);

#endif /* NN_MODEL_H */
