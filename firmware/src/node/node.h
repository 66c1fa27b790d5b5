/*
 * The platform-independent node core: everything between "samples arrived" and "bytes to send",
 * shared by the host (virtual node), QEMU and STM32F405 boards. A board supplies the samples, a
 * write callback for outgoing wire bytes, and the bytes it receives.
 *
 * Single-threaded: call every function from one context (on the MCU: the main loop, not an ISR).
 */
#ifndef NODE_NODE_H
#define NODE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "../dsp/rms.h"
#include "../proto/frame.h"
#include "../proto/msg.h"
#include "../status.h"

#define NODE_AXES_MAX MSG_AXES_MAX
#define NODE_WINDOW_MAX 4096u
#define NODE_FIELDS_PER_AXIS 1u /* this slice sends rms only (protocol.md §3.2 field 0) */

/*
 * Sends len wire bytes (whole frames, or the lone 0x00 flush). Returns VIGIL_OK when they were
 * queued/sent, a negative status when they were dropped (the node counts them and goes on).
 */
typedef vigil_status_t (*node_write_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct {
    uint8_t axis_count;       /* 1..3 */
    uint16_t window_len;      /* 1..NODE_WINDOW_MAX */
    uint16_t hop;             /* 1..window_len */
    uint32_t sample_rate_hz;  /* per axis, > 0 */
    const char *name;         /* <= 32 bytes UTF-8, copied */
    const char *channels;     /* "" or exactly axis_count comma-separated names, <= 64 bytes, copied */
    uint8_t uid[MSG_UID_LEN];
    uint8_t board;            /* MSG_BOARD_* */
    uint8_t fw_major, fw_minor, fw_patch;
} node_config_t;

typedef struct {
    uint32_t hello_sent;
    uint32_t features_sent;
    uint32_t tx_dropped;      /* frames the write callback refused */
    uint32_t rx_unknown_type; /* valid frames of a type the node does not handle */
} node_stats_t;

typedef struct {
    msg_hello_t hello;        /* the validated configuration, as HELLO announces it */
    node_write_fn write;
    void *write_ctx;
    uint16_t seq;             /* next seq for a frame sent on the node's own initiative (§2) */
    uint32_t window_index;    /* index of the next FEATURES window (§3.2) */
    node_stats_t stats;
    frame_deframer_t rx;
    dsp_window_f32_t win[NODE_AXES_MAX];
    float storage[NODE_AXES_MAX][NODE_WINDOW_MAX];
    uint8_t tx[FRAME_WIRE_MAX(MSG_HELLO_MAX_LEN)]; /* HELLO is the largest frame the node sends */
} node_t;

/* Copies cfg after checking every range documented above (VIGIL_ERR_ARG if one is out) and resets
 * the windows, counters and receiver. After an error the node must not be used. */
VIGIL_NODISCARD vigil_status_t node_init(node_t *node, const node_config_t *cfg, node_write_fn write,
                                         void *write_ctx);

/*
 * Boot announcement: a lone 0x00 (flushes a receiver's partial frame, protocol.md §1) then an
 * unsolicited HELLO with the node's own seq. Returns the write status of the HELLO.
 */
vigil_status_t node_send_hello(node_t *node);

/*
 * Feeds n_frames sample frames, each axis_count interleaved floats (x0 y0 z0 x1 y1 z1 ...). Sends one
 * FEATURES frame per completed window. Dropped frames are counted, not returned.
 */
VIGIL_NODISCARD vigil_status_t node_push_samples(node_t *node, const float *frames, size_t n_frames);

/* Feeds host-to-node wire bytes; answers each HELLO_REQ with a HELLO carrying the request's seq. */
void node_rx_bytes(node_t *node, const uint8_t *bytes, size_t len);

/* FEATURES t_us (protocol.md §3.2): floor((window_index*hop + window_len) * 1e6 / rate). */
uint64_t node_window_t_us(uint32_t window_index, uint16_t hop, uint16_t window_len,
                          uint32_t sample_rate_hz);

#endif /* NODE_NODE_H */
