/*
 * Message payloads (docs/protocol.md §3). Encoders write exactly the documented layout; decoders
 * read every field with a bound check, ignore trailing bytes (the extension rule) and return
 * VIGIL_ERR_PAYLOAD for a payload shorter than its known minimum.
 */
#ifndef PROTO_MSG_H
#define PROTO_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* Message types (protocol.md §3). */
#define MSG_TYPE_HELLO_REQ 0x01u
#define MSG_TYPE_HELLO 0x02u
#define MSG_TYPE_FEATURES 0x10u

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
#define MSG_FEATURES_VALUES_MAX 12u /* 3 axes x 4 fields (rms, peak, crest, kurtosis) */
#define MSG_FEATURES_MAX_LEN (MSG_FEATURES_HEADER_LEN + 4u * MSG_FEATURES_VALUES_MAX)
#define MSG_FIELD_RMS 0u /* field order within an axis */

typedef struct {
    uint32_t window_index;
    uint64_t t_us;
    float shaft_hz;
    uint8_t axis_count;
    uint8_t fields_per_axis;
    float values[MSG_FEATURES_VALUES_MAX]; /* axis-major: values[a * fields_per_axis + f] */
} msg_features_t;

/* VIGIL_ERR_ARG unless axis_count is 1..3, fields_per_axis >= 1 and their product fits values[]. */
VIGIL_NODISCARD vigil_status_t msg_features_encode(const msg_features_t *m, uint8_t *out, size_t cap,
                                                   size_t *out_len);
/*
 * A payload with more values than values[] holds keeps the first fields of each axis
 * (MSG_FEATURES_VALUES_MAX / axis_count of them) and reports that as fields_per_axis: "a receiver
 * uses the first min(F, known) fields" (protocol.md §3.2).
 */
VIGIL_NODISCARD vigil_status_t msg_features_decode(const uint8_t *p, size_t len, msg_features_t *m);

#endif /* PROTO_MSG_H */
