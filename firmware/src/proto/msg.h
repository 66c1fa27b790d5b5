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
#define MSG_TYPE_FEATURES 0x10u
#define MSG_TYPE_EVENT 0x11u
#define MSG_TYPE_SAMPLES_IN 0x13u /* 0x12 is kept for RAW_BLOCK */

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
#define MSG_HELLO_MAX_LEN (MSG_HELLO_MIN_LEN + MSG_NAME_MAX + MSG_CHANNELS_MAX)

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
} msg_hello_t;

/* VIGIL_ERR_ARG if a string is too long or axis_count is not 1..3. */
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
#define MSG_FEATURES_MAX_LEN                                                                   \
    (MSG_FEATURES_HEADER_LEN + 4u * MSG_FEATURES_VALUES_MAX + MSG_FEATURES_TRAILER_MIN +         \
     4u * MSG_AXES_MAX * MSG_FEATURES_BANDS_MAX) /* 851 */

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
    float anomaly_score;                   /* NaN when the node runs no model */
    uint8_t band_count;                    /* 0 .. MSG_FEATURES_BANDS_MAX */
    float log_bands[MSG_AXES_MAX * MSG_FEATURES_BANDS_MAX]; /* axis-major: [a * band_count + b] */
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

#endif /* PROTO_MSG_H */
