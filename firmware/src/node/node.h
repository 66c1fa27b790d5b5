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
#include "../nn/baseline.h"
#include "../nn/infer.h"
#include "../nn/model.h"
#include "../nn/speed.h"
#include "../ota/transfer.h"
#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../status.h"

struct store_s;
struct store_flash;

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
#define NODE_WINDOW_MAX 4096u
/* The node's own baseline (docs/detection.md §3): the default learning period, and the range
 * CONFIG key 10 takes (the period must hold two speeds of baseline_node_config). */
#define NODE_LEARN_WINDOWS_DEFAULT 2600u /* 500 + 500 windows per speed, two speeds */
#define NODE_LEARN_WINDOWS_MIN 64u
#define NODE_LEARN_WINDOWS_MAX 0x7FFFFFFFu
#define NODE_BASELINE_K 3u /* k-of-n debounce of the baseline's alarms, as vigil eval's default */
#define NODE_BASELINE_N 5u      /* the largest window the code accepts (storage permitting) */
#define NODE_BANDS_MAX MSG_FEATURES_BANDS_MAX
#define NODE_MODEL_INPUT_MAX (NODE_AXES_MAX * NODE_BANDS_MAX)

/* Links (protocol.md §4.1): each one a byte stream with its own receiver, seq counter, stream mode,
 * raw decimation, SECURE nonce and counter. The feed link only takes SAMPLES_IN and never sends. */
#ifndef NODE_LINKS_MAX
#define NODE_LINKS_MAX 3u          /* the STM32F405 build has 2: wired and Bluetooth LE */
#endif
#ifndef NODE_HAS_SAMPLES_IN
#define NODE_HAS_SAMPLES_IN 1      /* 0: SAMPLES_IN code left out (the STM32F405 build has a sensor) */
#endif
#define NODE_LINK_WIRED 0u
#define NODE_LINK_BLE 1u
#define NODE_LINK_FEED 2u
#define NODE_SEND_LINKS (NODE_LINKS_MAX < 2u ? NODE_LINKS_MAX : 2u) /* links that send */

/* The identity record a board keeps across restarts (protocol.md §4.3): key, name, range_g, hop,
 * shaft_hz, send_bands; magic "VGID", version 1, CRC-32 last. Boards store it as opaque bytes. */
#define NODE_IDENTITY_LEN 84u

/*
 * Sends len wire bytes (whole frames, or the lone 0x00 flush). Returns VIGIL_OK when they were
 * queued/sent, a negative status when they were dropped (the node counts them and goes on).
 */
typedef vigil_status_t (*node_write_fn)(void *ctx, const uint8_t *data, size_t len);

/* What a board provides besides the links. Every callback may be NULL. */
typedef struct {
    /* The node's monotonic clock since boot, µs (TIME uptime_us; NULL: 0). */
    uint64_t (*uptime_us)(void *ctx);
    /* len random bytes for the SECURE nonces (NULL: a counter, tests only). */
    void (*random)(void *ctx, uint8_t *out, size_t len);
    /* Stores the identity record (NODE_IDENTITY_LEN bytes); VIGIL_OK when kept. NULL: kept in RAM
     * only (QEMU), which counts as stored. */
    vigil_status_t (*save_identity)(void *ctx, const uint8_t *rec, size_t len);
    void *ctx;
} node_board_t;

typedef struct {
    node_write_fn write;      /* NULL: the link is absent (and the feed link never sends) */
    void *ctx;
} node_link_cfg_t;

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
    uint8_t sensor;           /* MSG_SENSOR_* (HELLO INFO) */
    uint8_t range_g;          /* 2, 4, 8 or 16 (CONFIG key 2, the RAW_BLOCK scale); 0 = 16 */
    node_link_cfg_t link[NODE_LINKS_MAX]; /* link 0 (wired) must have a write callback */
    node_board_t io;          /* clock, randomness, identity store */
    /* The stored identity record, or NULL: when it is valid its key, name, range_g, hop, shaft_hz
     * and send_bands replace the values above (an invalid record is ignored). */
    const uint8_t *identity;
    size_t identity_len;
    const struct store_s *store; /* the model store, for HELLO's slot states; NULL: none */
    /* Two slots for the node's own baseline record (store/baseline_store.h), or NULL: what it
     * learns is kept in RAM only. */
    const struct store_flash *baseline_flash;
    uint32_t learn_windows;   /* the learning period of a node without a model; 0 = NODE_LEARN_WINDOWS_DEFAULT */
} node_config_t;

typedef struct {
    uint32_t hello_sent;
    uint32_t features_sent;
    uint32_t events_sent;
    uint32_t tx_dropped;          /* frames the write callback refused */
    uint32_t rx_unknown_type;     /* valid frames of a type the node does not handle */
    uint32_t rx_bad_payload;      /* known type, undecodable payload */
    uint32_t samples_in_frames;   /* sample frames taken from SAMPLES_IN */
    uint32_t samples_in_rejected; /* SAMPLES_IN messages dropped: gap, axis count, disabled, BLE link */
    uint32_t raw_blocks_sent;
    uint32_t nacks_sent;
    uint32_t auth_failures;       /* SECURE tags that did not verify */
    uint32_t feed_ignored;        /* frames other than SAMPLES_IN on the feed link */
    uint32_t logs_sent;
    uint32_t baseline_saves;      /* learned baselines written to the baseline record */
} node_stats_t;

/* The running model's parsed header, prepared layers and channel words (docs/model-format.md). */
typedef struct {
    nn_model_t model;
    nn_net_t net;
    nn_channel_t channels[NODE_NN_CHANNELS_MAX];
    /* A model with a speed section (model-format §2.9) scores with it at the CONFIG shaft speed
     * instead of the layers (docs/detection.md §2.1). */
    bool speed_on;
#if NN_SPEED_SECTION
    float speed_peak;          /* the largest speed score of the open event */
    nn_speed_t speed;
    nn_speed_run_t speed_run;
#endif
} node_nn_t;

typedef struct {
    node_write_fn write;
    void *write_ctx;
    frame_deframer_t rx;
    uint16_t seq;             /* next seq for a frame sent on the node's own initiative (§2) */
    uint8_t mode;             /* STREAM mode bits (MSG_STREAM_*) */
    uint8_t decimation;       /* raw decimation D */
    uint8_t nonce[MSG_NONCE_LEN];
    uint32_t counter;         /* the last SECURE counter accepted since the nonce was issued */
    uint32_t tx_dropped;
    /* A host has sent a frame on this link. Frames refused before that (nobody has opened the
     * port yet) are counted but not logged: the first host to listen would only be told of frames
     * it never waited for (docs/protocol.md §3.12, LOG 7). */
    bool heard;
    /* the RAW_BLOCK being filled (§3.9): payload header + int16 samples, in place */
    uint8_t raw_k;            /* input frames in raw_sum */
    uint16_t raw_n;           /* samples (output frames) in the block */
    uint32_t raw_first;       /* the block's first_frame */
    float raw_sum[NODE_AXES_MAX];
    uint8_t raw[MSG_PAYLOAD_MAX];
} node_link_t;

typedef struct {
    msg_hello_t hello;        /* the validated configuration, as HELLO announces it */
    bool send_bands;
    bool samples_in;
    bool booted;              /* the boot announcement went out */
    uint8_t range_g;
    float shaft_hz;           /* told by the technician (CONFIG key 4), 0 = unknown */
    bool slow_machine;        /* CONFIG key 9: velocity over 2-1000 Hz (below 600 rpm), else 10-1000 Hz */
    node_board_t io;          /* clock, randomness, identity store */
    const struct store_s *store;
    uint32_t window_index;    /* index of the next FEATURES window (§3.2) */
    uint32_t next_frame;      /* SAMPLES_IN: the first_frame the next message must carry */
    uint64_t stream_frames;   /* input frames since the stream started (TIME, RAW_BLOCK) */
    uint32_t nonce_counter;   /* the nonce fallback without board.random (tests) */
    uint32_t drops_unlogged;  /* frames dropped since the last LOG 7 */
    uint64_t drop_log_us;     /* when the last LOG 7 went out */
    uint8_t pending_log[2];   /* model LOG codes from before the boot announcement */
    uint32_t pending_version[2];
    uint8_t pending_logs;
    node_stats_t stats;
    node_link_t link[NODE_LINKS_MAX];
    dsp_feature_spec_t spec;
    dsp_features_t feat;
    dsp_velocity_t velocity[NODE_AXES_MAX]; /* one velocity meter per axis (dsp/velocity.h) */
    dsp_windower_t win;
    /* the model (docs/model-format.md); model_ok false: features only, score MSG_FEATURES_NO_MODEL */
    bool model_ok;             /* a model runs */
    const uint8_t *model_blob; /* the loaded model's bytes (a store slot, or the built-in) */
    size_t model_len;
    uint8_t model_source;      /* MSG_MODEL_SOURCE_* of model_blob */
    /* A node runs a model or its own baseline, never both: they share this memory. */
    union {
        node_nn_t nn;           /* model_ok */
        baseline_t bl;          /* bl_on */
    } run;
    nn_detector_t detector;     /* the k-of-n debounce of whichever runs */
    /* the node's own baseline (docs/detection.md §3) */
    bool bl_on;                 /* the baseline runs (learning or detecting): no model runs */
    uint8_t detector_state;     /* MSG_DETECTOR_* of the last window (HELLO, FEATURES) */
    uint8_t learn_percent;      /* learning progress 0..99; 100 once learned */
    uint32_t learn_windows;     /* the learning period (CONFIG key 10) */
    float bl_peak;              /* the largest baseline score of the open event */
    float bl_threshold;         /* the baseline's threshold at the last scored window (a score) */
    const struct store_flash *bl_flash;
    uint8_t key[NN_MODEL_KEY_LEN]; /* the pairing key; all zero = unpaired (model-format §2.7) */
    uint8_t key_id[MSG_KEY_ID_LEN]; /* the first 4 bytes of SHA-256(key); zero when unpaired */
    bool paired;
    msg_features_t fmsg;      /* the features are computed straight into the message */
    float samples[NODE_SAMPLES_MAX];
    /* Scratch shared by the phases of a window: the FFT buffer and power spectrum while features
     * are computed; afterwards the model's input and buffers, then the FEATURES payload. */
    _Alignas(8) float scratch[DSP_FEATURES_SCRATCH_FLOATS(NODE_SEGMENT_MAX)];
    /* the model transfer receiver (node_ota_init; docs/protocol.md §3.14) */
    bool ota_on;
    ota_rx_t ota;
    const uint8_t *ota_builtin; /* the built-in model the receiver may fall back to, or NULL */
    size_t ota_builtin_len;
    uint8_t tx[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)]; /* a full RAW_BLOCK is the largest frame sent */
    uint8_t tx_type;          /* what tx holds, so links with the same seq share one encoding */
    uint16_t tx_seq;
    size_t tx_len;
    const uint8_t *tx_payload;
} node_t;

/* Copies cfg after checking every range documented above (VIGIL_ERR_ARG if one is out), applies a
 * valid stored identity, and resets the windows, counters and receivers. Every link starts in
 * STREAM mode 1, D = 1 (the feed link: nothing) with a fresh nonce. No model runs until
 * node_set_model. After an error the node must not be used. */
VIGIL_NODISCARD vigil_status_t node_init(node_t *node, const node_config_t *cfg);

/* Sets the pairing key store models must be signed with (model-format §2.7); all zero = unpaired.
 * The running model keeps running. Does not store anything (PAIR does). */
void node_set_key(node_t *node, const uint8_t key[NN_MODEL_KEY_LEN]);

/* The identity record of the node's current key, name and CONFIG values (NODE_IDENTITY_LEN bytes). */
void node_identity_record(const node_t *node, uint8_t out[NODE_IDENTITY_LEN]);

/* True when rec (NODE_IDENTITY_LEN bytes) has the record's magic, version and a good CRC. */
bool node_identity_intact(const uint8_t *rec);

/*
 * Everything the node checks before it runs a blob (model-format §2.8): format, CRC, tag under the
 * node's key, structure, feature spec, axes, size limits, self-test. Does not change the running
 * model. The signature of store_accept_fn (store/store.h), ctx = the node.
 */
VIGIL_NODISCARD vigil_status_t node_accept_model(void *node, const uint8_t *blob, size_t len);

/* Accepts and runs blob (which must stay in place: the model is used from it). source is
 * MSG_MODEL_SOURCE_BUILTIN (checked under the all-zero key: the built-in model stays trusted on a
 * paired node) or MSG_MODEL_SOURCE_SLOT0 + slot (checked under the node's key). The detector starts
 * afresh. On error the node keeps its current model. A LOG (8 loaded, 9 refused) follows. */
VIGIL_NODISCARD vigil_status_t node_set_model(node_t *node, const uint8_t *blob, size_t len, uint8_t source);

/*
 * Starts the model transfer receiver (docs/protocol.md §3.14, §6.4) on store, booted by
 * store_boot, after the boot model was set (node_set_model): requests 0x20-0x25 are answered from
 * then on (capability bit 10). builtin (may be NULL) is the built-in model a rollback returns to;
 * a model on trial is confirmed after confirm_after healthy windows (OTA_CONFIRM_AFTER_DEFAULT).
 * Updates need a paired node: under the zero key only the built-in model runs. VIGIL_ERR_ARG for
 * no store or confirm_after 0 (the node then answers those requests with NACK UNKNOWN_TYPE).
 */
vigil_status_t node_ota_init(node_t *node, struct store_s *store, const uint8_t *builtin, size_t builtin_len,
                             uint8_t confirm_after);

/* Stops using the model: the node's own baseline takes over (node_baseline_boot's rule without a
 * model: the learned baseline from the record, else a learning period). */
void node_clear_model(node_t *node);

/*
 * At boot, after the model choice (node_set_model): a node without a model detects with its
 * learned baseline (the record on cfg.baseline_flash) or learns one (docs/detection.md §3); a
 * node with a model keeps it unless the record is newer than every stored model (the technician
 * asked the node to learn after the last deployment).
 */
void node_baseline_boot(node_t *node);

/*
 * The technician's reset (CONFIG key 10): the model stops, the node learns its machine afresh for
 * `windows` windows (NODE_LEARN_WINDOWS_MIN .. MAX, else VIGIL_ERR_ARG), and the request is
 * stored (VIGIL_ERR_FLASH when that failed: the learning runs anyway).
 */
VIGIL_NODISCARD vigil_status_t node_learn(node_t *node, uint32_t windows);

/*
 * Boot announcement on every link that sends: a lone 0x00 (flushes a receiver's partial frame,
 * protocol.md §1), an unsolicited HELLO with the link's own seq, then LOG boot (and the LOGs of the
 * model choice). Returns the write status of the wired link's HELLO.
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

/* Feeds host-to-node wire bytes received on link (NODE_LINK_*): answers every request (protocol.md
 * §2, §3) on that link; takes SAMPLES_IN on the wired and the feed link (with cfg.samples_in). Bytes
 * for a link the build does not have are ignored. */
void node_rx_bytes(node_t *node, size_t link, const uint8_t *bytes, size_t len);

/* floor(frames * 1e6 / rate) without 64-bit overflow for any frame count (TIME stream_t_us). */
uint64_t node_frames_t_us(uint64_t frames, uint32_t sample_rate_hz);

/* FEATURES t_us (protocol.md §3.2): floor((window_index*hop + window_len) * 1e6 / rate). */
uint64_t node_window_t_us(uint32_t window_index, uint16_t hop, uint16_t window_len,
                          uint32_t sample_rate_hz);

#endif /* NODE_NODE_H */
