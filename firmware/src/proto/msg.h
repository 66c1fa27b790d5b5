/*
 * Message payloads (docs/protocol.md §3). Encoders write exactly the documented layout; decoders
 * read every field with a bound check, ignore trailing bytes (the extension rule) and return
 * VIGIL_ERR_PAYLOAD for a payload shorter than its known minimum.
 */
#ifndef PROTO_MSG_H
#define PROTO_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* Message types (protocol.md §3). */
#define MSG_TYPE_HELLO_REQ 0x01u
#define MSG_TYPE_HELLO 0x02u
#define MSG_TYPE_PAIR 0x03u
#define MSG_TYPE_ACK 0x04u
#define MSG_TYPE_NACK 0x05u
#define MSG_TYPE_PING 0x06u
#define MSG_TYPE_PONG 0x07u
#define MSG_TYPE_CONFIG_GET 0x08u
#define MSG_TYPE_CONFIG 0x09u
#define MSG_TYPE_CONFIG_SET 0x0Au
#define MSG_TYPE_STREAM 0x0Bu
#define MSG_TYPE_TIME_REQ 0x0Cu
#define MSG_TYPE_TIME 0x0Du
#define MSG_TYPE_SECURE 0x0Eu
#define MSG_TYPE_FEATURES 0x10u
#define MSG_TYPE_EVENT 0x11u
#define MSG_TYPE_RAW_BLOCK 0x12u
#define MSG_TYPE_SAMPLES_IN 0x13u
#define MSG_TYPE_LOG 0x14u

#define MSG_PROTOCOL_MINOR 4u

/* HELLO board ids (protocol.md §3.1). */
#define MSG_BOARD_HOST 0u
#define MSG_BOARD_QEMU 1u
#define MSG_BOARD_STM32F405 2u

#define MSG_PROTOCOL_VERSION 1u
#define MSG_UID_LEN 12u
#define MSG_AXES_MAX 3u
#define MSG_NAME_MAX 32u
#define MSG_CHANNELS_MAX 64u
#define MSG_HELLO_MIN_LEN 28u
#define MSG_HELLO_INFO_LEN 46u /* protocol 1.1, appended after channels, all or nothing */
#define MSG_HELLO_MAX_LEN                                                                      \
    (MSG_HELLO_MIN_LEN + MSG_NAME_MAX + MSG_CHANNELS_MAX + MSG_HELLO_INFO_LEN + MSG_STATE_LEN + MSG_THRESHOLD_LEN) /* 176 */
#define MSG_KEY_LEN 32u
#define MSG_KEY_ID_LEN 4u
#define MSG_NONCE_LEN 8u

/* HELLO INFO capabilities (protocol.md §3.1). */
#define MSG_CAP_PAIR (1u << 0)
#define MSG_CAP_CONFIG (1u << 1)
#define MSG_CAP_STREAM (1u << 2)
#define MSG_CAP_RAW_BLOCK (1u << 3)
#define MSG_CAP_TIME (1u << 4)
#define MSG_CAP_PING (1u << 5)
#define MSG_CAP_LOG (1u << 6)
#define MSG_CAP_SAMPLES_IN (1u << 7)
#define MSG_CAP_SECURE (1u << 8)
#define MSG_CAP_BLE (1u << 9)
#define MSG_CAP_MODEL_UPDATE (1u << 10)

#define MSG_LINK_WIRED 0u
#define MSG_LINK_BLE 1u
#define MSG_SENSOR_NONE 0u
#define MSG_SENSOR_IIS3DWB 1u
#define MSG_MODEL_SOURCE_NONE 0u
#define MSG_MODEL_SOURCE_BUILTIN 1u
#define MSG_MODEL_SOURCE_SLOT0 2u /* slot s: MSG_MODEL_SOURCE_SLOT0 + s */

/* What detects on the node (HELLO STATE block, FEATURES state; protocol.md §3.1, §3.2, 1.3). */
#define MSG_DETECTOR_NONE 0u      /* nothing: features only */
#define MSG_DETECTOR_MODEL 1u     /* a model (HELLO INFO model_version, model_source) */
#define MSG_DETECTOR_LEARNING 2u  /* the node learns its own baseline: learn_percent done */
#define MSG_DETECTOR_BASELINE 3u  /* the node's own learned baseline */
#define MSG_DETECTOR_UNSEEN 4u    /* the learned baseline, at a speed outside what it learned */
#define MSG_STATE_LEN 2u          /* detector, learn_percent */
#define MSG_THRESHOLD_LEN 4u      /* 1.4: the state's threshold (f32) after learn_percent */
/* threshold when nothing is compared with one (no detector, learning, unseen condition). */
#define MSG_NO_THRESHOLD (-1.0f)

/* The HELLO INFO block (protocol.md §3.1, 1.1). */
typedef struct {
    uint8_t state;          /* 0 empty, 1 pending, 2 trying, 3 confirmed, 4 rejected */
    uint32_t seq;
    uint32_t model_version; /* 0 if unknown */
} msg_slot_info_t;

typedef struct {
    uint8_t protocol_minor;
    uint32_t capabilities;  /* MSG_CAP_* */
    uint8_t link;           /* MSG_LINK_* */
    uint8_t paired;
    uint8_t key_id[MSG_KEY_ID_LEN];
    uint8_t link_nonce[MSG_NONCE_LEN];
    uint8_t sensor;         /* MSG_SENSOR_* */
    uint8_t range_g;
    uint8_t stream_mode;
    uint8_t raw_decimation;
    uint32_t model_version;
    uint8_t model_source;   /* MSG_MODEL_SOURCE_* */
    msg_slot_info_t slot[2];
    /* The STATE block (1.3, after INFO, all or nothing): has_state false = a 1.2 node. */
    bool has_state;
    uint8_t detector;       /* MSG_DETECTOR_* */
    uint8_t learn_percent;  /* 0..100 */
    bool has_threshold;     /* 1.4: the STATE block carries threshold (needs has_state) */
    float threshold;        /* as a score; MSG_NO_THRESHOLD: none now */
} msg_hello_info_t;

/* HELLO (protocol.md §3.1). Strings are NUL-terminated here and travel without the NUL. */
typedef struct {
    uint8_t protocol_version; /* set by decode; encode always writes MSG_PROTOCOL_VERSION */
    uint8_t fw_major;
    uint8_t fw_minor;
    uint8_t fw_patch;
    uint8_t uid[MSG_UID_LEN];
    uint8_t board;
    uint8_t axis_count;
    uint16_t window_len;
    uint16_t hop;
    uint32_t sample_rate_hz;
    char name[MSG_NAME_MAX + 1];
    char channels[MSG_CHANNELS_MAX + 1]; /* comma-separated, one per axis */
    bool has_info;            /* the INFO block follows (a 1.1 node); false: a 1.0 HELLO */
    msg_hello_info_t info;
} msg_hello_t;

/* VIGIL_ERR_ARG if a string is too long or axis_count is not 1..3. The INFO block is written when
 * has_info is set; decode reads it when present (a payload that ends inside it: VIGIL_ERR_PAYLOAD). */
VIGIL_NODISCARD vigil_status_t msg_hello_encode(const msg_hello_t *m, uint8_t *out, size_t cap,
                                                size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_hello_decode(const uint8_t *p, size_t len, msg_hello_t *m);

/* FEATURES (protocol.md §3.2). */
#define MSG_FEATURES_HEADER_LEN 18u
#define MSG_FIELD_RMS 0u      /* field order within an axis */
#define MSG_FIELD_PEAK 1u
#define MSG_FIELD_CREST 2u
#define MSG_FIELD_KURTOSIS 3u
#define MSG_FIELD_VELOCITY 4u
#define MSG_FEATURES_FIELDS 5u /* the fields this firmware knows and sends */
#define MSG_FEATURES_VALUES_MAX (MSG_AXES_MAX * MSG_FEATURES_FIELDS)
#define MSG_FEATURES_TRAILER_MIN 5u /* anomaly_score f32 + band_count u8 */
#define MSG_FEATURES_BANDS_MAX 64u
/* anomaly_score when the node runs no model (protocol 1.2; a 1.1 node sent NaN): a score is never
 * negative, so a reader takes a negative or NaN score as "no model" (protocol.md §3.2). */
#define MSG_FEATURES_NO_MODEL (-1.0f)
#define MSG_FEATURES_MAX_LEN                                                                   \
    (MSG_FEATURES_HEADER_LEN + 4u * MSG_FEATURES_VALUES_MAX + MSG_FEATURES_TRAILER_MIN +         \
     4u * MSG_AXES_MAX * MSG_FEATURES_BANDS_MAX + MSG_STATE_LEN + MSG_THRESHOLD_LEN) /* 857 */

typedef struct {
    uint32_t window_index;
    uint64_t t_us;
    float shaft_hz;
    uint8_t axis_count;
    uint8_t fields_per_axis;
    float values[MSG_FEATURES_VALUES_MAX]; /* axis-major: values[a * fields_per_axis + f] */
    /* The trailer (protocol.md §3.2): absent in the first protocol slice, so has_trailer = false
     * encodes exactly the old layout. */
    bool has_trailer;
    float anomaly_score;                   /* MSG_FEATURES_NO_MODEL when the node runs no model */
    uint8_t band_count;                    /* 0 .. MSG_FEATURES_BANDS_MAX */
    float log_bands[MSG_AXES_MAX * MSG_FEATURES_BANDS_MAX]; /* axis-major: [a * band_count + b] */
    /* The state (1.3, after the bands, all or nothing; needs the trailer): false = a 1.2 node. */
    bool has_state;
    uint8_t detector;                      /* MSG_DETECTOR_* */
    uint8_t learn_percent;                 /* 0..100 */
    bool has_threshold;                    /* 1.4: the state carries threshold (needs has_state) */
    float threshold;                       /* as a score; MSG_NO_THRESHOLD: none now */
} msg_features_t;

/* VIGIL_ERR_ARG unless axis_count is 1..3, fields_per_axis >= 1, their product fits values[] and
 * band_count <= MSG_FEATURES_BANDS_MAX. */
VIGIL_NODISCARD vigil_status_t msg_features_encode(const msg_features_t *m, uint8_t *out, size_t cap,
                                                   size_t *out_len);
/*
 * A payload with more values than values[] holds keeps the first fields of each axis
 * (MSG_FEATURES_VALUES_MAX / axis_count of them) and reports that as fields_per_axis: "a receiver
 * uses the first min(F, known) fields" (protocol.md §3.2). The trailer is read when present; a
 * payload that ends inside it is VIGIL_ERR_PAYLOAD.
 */
VIGIL_NODISCARD vigil_status_t msg_features_decode(const uint8_t *p, size_t len, msg_features_t *m);

/* EVENT (protocol.md §3.3): an anomaly started (state 1) or ended (state 0). */
#define MSG_EVENT_LEN 44u
#define MSG_EVENT_ENDED 0u
#define MSG_EVENT_STARTED 1u

typedef struct {
    uint32_t event_id;     /* events since boot, from 0; a start and its end share the id */
    uint8_t state;         /* MSG_EVENT_STARTED / MSG_EVENT_ENDED */
    uint8_t debounce_k;    /* k of the k-of-n rule that decided it */
    uint8_t debounce_n;
    uint32_t start_window; /* first over-threshold window of the event */
    uint32_t end_window;   /* started: the window that confirmed it; ended: the last over-threshold window */
    uint64_t start_t_us;   /* FEATURES t_us of those windows */
    uint64_t end_t_us;
    float peak_score;      /* largest score from start_window to end_window */
    float threshold;
    uint32_t model_version;
} msg_event_t;

VIGIL_NODISCARD vigil_status_t msg_event_encode(const msg_event_t *m, uint8_t *out, size_t cap,
                                                size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_event_decode(const uint8_t *p, size_t len, msg_event_t *m);

/* SAMPLES_IN (protocol.md §3.4): host-to-node sensor samples (QEMU and host boards). */
#define MSG_SAMPLES_IN_HEADER_LEN 8u
#define MSG_SAMPLES_FORMAT_F32 0u
#define MSG_SAMPLES_IN_MAX_FRAMES(axes) ((1024u - MSG_SAMPLES_IN_HEADER_LEN) / (4u * (axes)))

typedef struct {
    uint32_t first_frame;   /* frame index since the stream started; 0 starts a new stream */
    uint8_t axis_count;
    uint8_t format;         /* MSG_SAMPLES_FORMAT_F32 */
    uint16_t frame_count;
    const uint8_t *samples; /* frame_count * axis_count little-endian float32, in the payload */
} msg_samples_in_t;

/* The view points into p. VIGIL_ERR_PAYLOAD for a short payload, axes outside 1..3 or an unknown
 * format. */
VIGIL_NODISCARD vigil_status_t msg_samples_in_decode(const uint8_t *p, size_t len, msg_samples_in_t *m);

/* Encodes n interleaved frames (tests and tools). VIGIL_ERR_ARG if they do not fit one message. */
VIGIL_NODISCARD vigil_status_t msg_samples_in_encode(uint32_t first_frame, uint8_t axis_count,
                                                     const float *frames, size_t n, uint8_t *out,
                                                     size_t cap, size_t *out_len);

/* ---- protocol 1.1 session messages (protocol.md §3.5 - §3.13) ---- */

/* NACK reasons (§3.5). */
#define MSG_NACK_UNKNOWN_TYPE 1u
#define MSG_NACK_BAD_PAYLOAD 2u
#define MSG_NACK_OUT_OF_RANGE 3u
#define MSG_NACK_READ_ONLY 4u
#define MSG_NACK_UNKNOWN_KEY 5u
#define MSG_NACK_NOT_PAIRED 6u
#define MSG_NACK_AUTH_REQUIRED 7u
#define MSG_NACK_AUTH_FAILED 8u
#define MSG_NACK_REPLAY 9u
#define MSG_NACK_WIRED_ONLY 10u
#define MSG_NACK_STORAGE 11u
#define MSG_NACK_UNSUPPORTED 12u

#define MSG_ACK_LEN 1u
#define MSG_NACK_LEN 4u

typedef struct {
    uint8_t req_type;
    uint8_t reason;  /* MSG_NACK_* */
    uint16_t detail; /* the CONFIG key for reasons 3-5, else 0 */
} msg_nack_t;

/* ACK (§3.5): one byte, the accepted request's type. */
VIGIL_NODISCARD vigil_status_t msg_ack_encode(uint8_t req_type, uint8_t *out, size_t cap, size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_ack_decode(const uint8_t *p, size_t len, uint8_t *req_type);
VIGIL_NODISCARD vigil_status_t msg_nack_encode(const msg_nack_t *m, uint8_t *out, size_t cap, size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_nack_decode(const uint8_t *p, size_t len, msg_nack_t *m);

/* PAIR (§3.6): key, then name_len 0..32 (0 keeps the name) and the name. */
#define MSG_PAIR_MIN_LEN 33u

typedef struct {
    uint8_t key[MSG_KEY_LEN]; /* all zero: unpair */
    uint8_t name_len;
    const uint8_t *name;      /* name_len bytes, in the payload (not NUL-terminated) */
} msg_pair_t;

VIGIL_NODISCARD vigil_status_t msg_pair_encode(const msg_pair_t *m, uint8_t *out, size_t cap, size_t *out_len);
/* VIGIL_ERR_PAYLOAD when shorter than 33 bytes, name_len > 32, or the name overruns the payload. */
VIGIL_NODISCARD vigil_status_t msg_pair_decode(const uint8_t *p, size_t len, msg_pair_t *m);

/* CONFIG and CONFIG_SET (§3.7): count, then count x (key, len, value). */
#define MSG_CFG_NAME 1u
#define MSG_CFG_RANGE_G 2u
#define MSG_CFG_HOP 3u
#define MSG_CFG_SHAFT_HZ 4u
#define MSG_CFG_SEND_BANDS 5u
#define MSG_CFG_AXIS_COUNT 6u
#define MSG_CFG_WINDOW_LEN 7u
#define MSG_CFG_SAMPLE_RATE_HZ 8u
#define MSG_CFG_SLOW_MACHINE 9u /* velocity band 2-1000 Hz (ISO 20816, below 600 rpm) instead of 10-1000 */
#define MSG_CFG_LEARN_WINDOWS 10u /* 1.3: writing it starts the node's own learning period */
#define MSG_CFG_KEY_MAX 10u

typedef struct {
    uint8_t key;
    uint8_t len;
    const uint8_t *value; /* len bytes */
} msg_config_entry_t;

/* A checked view of a CONFIG / CONFIG_SET payload: every entry fits (bytes after the last entry
 * are ignored, the extension rule). */
typedef struct {
    uint8_t count;
    const uint8_t *entries; /* the first entry, in the payload */
    size_t len;             /* bytes of the count entries */
} msg_config_t;

/* VIGIL_ERR_PAYLOAD for an empty payload or entries that overrun it. */
VIGIL_NODISCARD vigil_status_t msg_config_decode(const uint8_t *p, size_t len, msg_config_t *m);
/* Entry i of a decoded view, in order: *pos starts at 0. */
void msg_config_next(const msg_config_t *m, size_t *pos, msg_config_entry_t *e);
/* VIGIL_ERR_ARG for more than 255 entries. */
VIGIL_NODISCARD vigil_status_t msg_config_encode(const msg_config_entry_t *e, size_t n, uint8_t *out, size_t cap,
                                                 size_t *out_len);

/* STREAM (§3.8). */
#define MSG_STREAM_LEN 2u
#define MSG_STREAM_FEATURES 1u /* mode bits */
#define MSG_STREAM_RAW 2u
#define MSG_RAW_DECIMATION_MAX 64u

typedef struct {
    uint8_t mode;
    uint8_t raw_decimation;
} msg_stream_t;

VIGIL_NODISCARD vigil_status_t msg_stream_encode(const msg_stream_t *m, uint8_t *out, size_t cap, size_t *out_len);
/* Decodes only; the node checks the ranges (NACK OUT_OF_RANGE). */
VIGIL_NODISCARD vigil_status_t msg_stream_decode(const uint8_t *p, size_t len, msg_stream_t *m);

/* RAW_BLOCK (§3.9). */
#define MSG_RAW_HEADER_LEN 14u
#define MSG_RAW_FORMAT_I16 0u
#define MSG_PAYLOAD_MAX 1024u /* = FRAME_MAX_PAYLOAD (frame.h) */
/* Frames in a full block: floor((1024 - 14) / (2 axes)): 505, 252, 168. */
#define MSG_RAW_FULL_FRAMES(axes) ((MSG_PAYLOAD_MAX - MSG_RAW_HEADER_LEN) / (2u * (axes)))

typedef struct {
    uint32_t first_frame;
    uint8_t axis_count;
    uint8_t decimation;
    uint8_t format;         /* MSG_RAW_FORMAT_I16 */
    float scale_g;          /* g per LSB */
    uint16_t frame_count;
    const uint8_t *samples; /* frame_count x axis_count int16 LE (decode: in the payload) */
} msg_raw_block_t;

/* The 14-byte header, from m (samples are not touched): the node writes the samples in place. */
void msg_raw_block_header(const msg_raw_block_t *m, uint8_t out[MSG_RAW_HEADER_LEN]);
/* Header and m->samples (already little-endian int16). VIGIL_ERR_ARG: axes not 1..3, or too many frames. */
VIGIL_NODISCARD vigil_status_t msg_raw_block_encode(const msg_raw_block_t *m, uint8_t *out, size_t cap,
                                                    size_t *out_len);
/* VIGIL_ERR_PAYLOAD: short, axes not 1..3, decimation not 1..64, format not 0, samples overrun. */
VIGIL_NODISCARD vigil_status_t msg_raw_block_decode(const uint8_t *p, size_t len, msg_raw_block_t *m);
/* Sample k of axis a of a decoded block. */
int16_t msg_raw_block_sample(const msg_raw_block_t *m, size_t k, size_t a);

/* TIME_REQ and TIME (§3.10). */
#define MSG_TIME_REQ_LEN 8u
#define MSG_TIME_LEN 24u

typedef struct {
    uint64_t host_time_us;
    uint64_t uptime_us;
    uint64_t stream_t_us;
} msg_time_t;

VIGIL_NODISCARD vigil_status_t msg_time_req_encode(uint64_t host_time_us, uint8_t *out, size_t cap,
                                                   size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_time_req_decode(const uint8_t *p, size_t len, uint64_t *host_time_us);
VIGIL_NODISCARD vigil_status_t msg_time_encode(const msg_time_t *m, uint8_t *out, size_t cap, size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_time_decode(const uint8_t *p, size_t len, msg_time_t *m);

/* PING and PONG (§3.11): 0..64 bytes of any content. More: VIGIL_ERR_PAYLOAD. */
#define MSG_PING_MAX 64u
VIGIL_NODISCARD vigil_status_t msg_ping_check(size_t len);

/* LOG (§3.12). */
#define MSG_LOG_HEADER_LEN 4u
#define MSG_LOG_TEXT_MAX 96u
#define MSG_LOG_DEBUG 0u
#define MSG_LOG_INFO 1u
#define MSG_LOG_WARNING 2u
#define MSG_LOG_ERROR 3u
#define MSG_LOG_BOOT 1u
#define MSG_LOG_PAIRED 2u
#define MSG_LOG_UNPAIRED 3u
#define MSG_LOG_CONFIG 4u
#define MSG_LOG_AUTH_FAILED 5u
#define MSG_LOG_STREAM 6u
#define MSG_LOG_DROPPED 7u
#define MSG_LOG_MODEL_LOADED 8u
#define MSG_LOG_MODEL_REFUSED 9u
#define MSG_LOG_BASELINE 10u /* the node's own baseline: learned, or nothing learned */

typedef struct {
    uint8_t level;
    uint16_t code;
    uint8_t text_len;
    const uint8_t *text; /* text_len bytes UTF-8 (not NUL-terminated) */
} msg_log_t;

/* VIGIL_ERR_ARG for text_len > 96. */
VIGIL_NODISCARD vigil_status_t msg_log_encode(const msg_log_t *m, uint8_t *out, size_t cap, size_t *out_len);
VIGIL_NODISCARD vigil_status_t msg_log_decode(const uint8_t *p, size_t len, msg_log_t *m);

/* SECURE (§3.13): counter, inner type, inner payload, 16-byte tag. */
#define MSG_SECURE_MIN_LEN 21u
#define MSG_SECURE_TAG_LEN 16u

typedef struct {
    uint32_t counter;
    uint8_t inner_type;
    const uint8_t *inner; /* inner_len bytes, in the payload */
    size_t inner_len;
    const uint8_t *tag;   /* 16 bytes, in the payload */
} msg_secure_t;

/* VIGIL_ERR_PAYLOAD when shorter than 21 bytes (the tag is the last 16 bytes, whatever the length). */
VIGIL_NODISCARD vigil_status_t msg_secure_decode(const uint8_t *p, size_t len, msg_secure_t *m);
/* The tag: the first 16 bytes of HMAC-SHA256(key, "VGSEC1" || nonce || seq || counter || inner_type ||
 * inner payload), integers little-endian. */
void msg_secure_tag(const uint8_t key[MSG_KEY_LEN], const uint8_t nonce[MSG_NONCE_LEN], uint16_t seq,
                    uint32_t counter, uint8_t inner_type, const uint8_t *inner, size_t inner_len,
                    uint8_t tag[MSG_SECURE_TAG_LEN]);
/* Builds a SECURE payload with its tag (the host's side: tests, fuzz corpus, tools). */
VIGIL_NODISCARD vigil_status_t msg_secure_encode(const uint8_t key[MSG_KEY_LEN], const uint8_t nonce[MSG_NONCE_LEN],
                                                 uint16_t seq, uint32_t counter, uint8_t inner_type,
                                                 const uint8_t *inner, size_t inner_len, uint8_t *out,
                                                 size_t cap, size_t *out_len);

#endif /* PROTO_MSG_H */
