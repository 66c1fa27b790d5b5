/*
 * The platform-independent node core: everything between "samples arrived" and "bytes to send",
 * shared by the host (virtual node), QEMU and STM32F405 boards. A board supplies the samples (its
 * sensor, a CSV file, or SAMPLES_IN frames the core decodes itself), a write callback for outgoing
 * wire bytes, the bytes it receives, and optionally a model.
 *
 * Per window (docs/features.md): the features of every axis (dsp/features.h), then, with a model,
 * the int8 autoencoder's reconstruction error and the k-of-n detector (nn/); one FEATURES frame
 * (5 fields per axis, the anomaly score, the log band energies) and an EVENT frame when an anomaly
 * starts or ends (docs/protocol.md §3.2, §3.3).
 *
 * Static memory only; the sizes below are per build (a board may define them larger on the
 * compiler command line: the host build replays up to 4096-sample windows).
 * Single-threaded: call every function from one context (on the MCU: the main loop, not an ISR).
 */
#ifndef NODE_NODE_H
#define NODE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../dsp/features.h"
#include "../dsp/windower.h"
#include "../nn/detector.h"
#include "../nn/infer.h"
#include "../nn/model.h"
#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../status.h"

#define NODE_AXES_MAX MSG_AXES_MAX
#ifndef NODE_SAMPLES_MAX
#define NODE_SAMPLES_MAX 3072u     /* window ring floats, all axes: 3 x 1024 on the STM32F405 */
#endif
#ifndef NODE_SEGMENT_MAX
#define NODE_SEGMENT_MAX 1024u     /* the longest FFT segment (sizes the scratch) */
#endif
#ifndef NODE_NN_CHANNELS_MAX
#define NODE_NN_CHANNELS_MAX 176u  /* output channels over all layers: 136 for 64-32-8-32-64,
                                      168 for a 3-axis 96-32-8-32-96 */
#endif
#define NODE_WINDOW_MAX 4096u      /* the largest window the code accepts (storage permitting) */
#define NODE_BANDS_MAX MSG_FEATURES_BANDS_MAX
#define NODE_MODEL_INPUT_MAX (NODE_AXES_MAX * NODE_BANDS_MAX)

/*
 * Sends len wire bytes (whole frames, or the lone 0x00 flush). Returns VIGIL_OK when they were
 * queued/sent, a negative status when they were dropped (the node counts them and goes on).
 */
typedef vigil_status_t (*node_write_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct {
    uint8_t axis_count;       /* 1..3 */
    uint16_t window_len;      /* a power of two, 64 .. NODE_WINDOW_MAX, axis_count x window_len <= NODE_SAMPLES_MAX */
    uint16_t hop;             /* 1..window_len */
    uint32_t sample_rate_hz;  /* per axis, > 0 */
    uint16_t segment_len;     /* Welch segment; 0 = window_len (docs/features.md default) */
    uint16_t band_count;      /* 0 = the default 32 bands (dsp/band_tables.h) */
    const uint16_t *band_edges; /* band_count + 1 edges; NULL = the default table */
    const char *name;         /* <= 32 bytes UTF-8, copied */
    const char *channels;     /* "" or exactly axis_count comma-separated names, <= 64 bytes, copied */
    uint8_t uid[MSG_UID_LEN];
    uint8_t board;            /* MSG_BOARD_* */
    uint8_t fw_major, fw_minor, fw_patch;
    bool send_bands;          /* FEATURES carries the log band energies (the model's input) */
    bool samples_in;          /* SAMPLES_IN frames feed the windows (QEMU and host boards) */
} node_config_t;

typedef struct {
    uint32_t hello_sent;
    uint32_t features_sent;
    uint32_t events_sent;
    uint32_t tx_dropped;          /* frames the write callback refused */
    uint32_t rx_unknown_type;     /* valid frames of a type the node does not handle */
    uint32_t rx_bad_payload;      /* known type, undecodable payload */
    uint32_t samples_in_frames;   /* sample frames taken from SAMPLES_IN */
    uint32_t samples_in_rejected; /* SAMPLES_IN messages dropped: gap, axis count, or disabled */
} node_stats_t;

typedef struct {
    msg_hello_t hello;        /* the validated configuration, as HELLO announces it */
    bool send_bands;
    bool samples_in;
    node_write_fn write;
    void *write_ctx;
    uint16_t seq;             /* next seq for a frame sent on the node's own initiative (§2) */
    uint32_t window_index;    /* index of the next FEATURES window (§3.2) */
    uint32_t next_frame;      /* SAMPLES_IN: the first_frame the next message must carry */
    node_stats_t stats;
    frame_deframer_t rx;
    dsp_feature_spec_t spec;
    dsp_features_t feat;
    dsp_windower_t win;
    /* the model (docs/model-format.md); model_ok false: features only, score NaN */
    bool model_ok;
    const uint8_t *model_blob; /* the running model's bytes (a store slot, or the built-in) */
    size_t model_len;
    nn_model_t model;
    nn_net_t net;
    nn_detector_t detector;
    uint8_t key[NN_MODEL_KEY_LEN]; /* the pairing key; all zero = unpaired (model-format §2.7) */
    nn_channel_t channels[NODE_NN_CHANNELS_MAX];
    msg_features_t fmsg;      /* the features are computed straight into the message */
    float samples[NODE_SAMPLES_MAX];
    /* Scratch shared by the phases of a window: the FFT buffer and power spectrum while features
     * are computed; afterwards the model's input and buffers, then the FEATURES payload. */
    _Alignas(8) float scratch[DSP_FEATURES_SCRATCH_FLOATS(NODE_SEGMENT_MAX)];
    uint8_t tx[FRAME_WIRE_MAX(MSG_FEATURES_MAX_LEN)]; /* FEATURES is the largest frame sent */
} node_t;

/* Copies cfg after checking every range documented above (VIGIL_ERR_ARG if one is out) and resets
 * the windows, counters and receiver. No model runs until node_set_model. After an error the node
 * must not be used. */
VIGIL_NODISCARD vigil_status_t node_init(node_t *node, const node_config_t *cfg, node_write_fn write,
                                         void *write_ctx);

/* Sets the pairing key models must be signed with (model-format §2.7). The default is the unpaired
 * all-zero key, under which model files on disk and the built-in default are tagged. */
void node_set_key(node_t *node, const uint8_t key[NN_MODEL_KEY_LEN]);

/*
 * Everything the node checks before it runs a blob (model-format §2.8): format, CRC, tag under the
 * node's key, structure, feature spec, axes, size limits, self-test. Does not change the running
 * model. The signature of store_accept_fn (store/store.h), ctx = the node.
 */
VIGIL_NODISCARD vigil_status_t node_accept_model(void *node, const uint8_t *blob, size_t len);

/* Accepts and runs blob (which must stay in place: the model is used from it). The detector
 * starts afresh. On error the node keeps its current model. */
VIGIL_NODISCARD vigil_status_t node_set_model(node_t *node, const uint8_t *blob, size_t len);

/* Stops using the model (features only; score NaN). */
void node_clear_model(node_t *node);

/*
 * Boot announcement: a lone 0x00 (flushes a receiver's partial frame, protocol.md §1) then an
 * unsolicited HELLO with the node's own seq. Returns the write status of the HELLO.
 */
vigil_status_t node_send_hello(node_t *node);

/*
 * Feeds n_frames sample frames, each axis_count interleaved floats (x0 y0 z0 x1 y1 z1 ...). Sends one
 * FEATURES frame per completed window (and EVENT frames). Dropped frames are counted, not returned.
 */
VIGIL_NODISCARD vigil_status_t node_push_samples(node_t *node, const float *frames, size_t n_frames);

/* Starts a new sample stream: empty windows, window index 0, detector history cleared (an open
 * event is closed with an EVENT). */
void node_restart_stream(node_t *node);

/* Feeds host-to-node wire bytes: answers each HELLO_REQ with a HELLO carrying the request's seq;
 * with cfg.samples_in, takes SAMPLES_IN frames as sensor samples. */
void node_rx_bytes(node_t *node, const uint8_t *bytes, size_t len);

/* FEATURES t_us (protocol.md §3.2): floor((window_index*hop + window_len) * 1e6 / rate). */
uint64_t node_window_t_us(uint32_t window_index, uint16_t hop, uint16_t window_len,
                          uint32_t sample_rate_hz);

#endif /* NODE_NODE_H */
