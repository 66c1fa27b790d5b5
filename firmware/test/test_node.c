#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../boards/host/csv.h"
#include "../src/nn/default_model.h"
#include "../src/node/node.h"
#include "../src/proto/crc32.h"
#include "../src/proto/le.h"
#include "../src/crypto/sha256.h"
#include "speed_vectors.h" /* test/vectors: a model with a speed section (scripts/gen-speed-vectors.ts) */

/* The board's write callback for tests: records every write; can be told to refuse. */
typedef struct {
    uint8_t bytes[64 * 1024];
    size_t len;
    size_t writes;
    bool refuse;
} capture_t;

static vigil_status_t capture_write(void *ctx, const uint8_t *data, size_t len)
{
    capture_t *c = ctx;
    if (c->refuse) {
        return VIGIL_ERR_IO;
    }
    assert_true(c->len + len <= sizeof c->bytes);
    memcpy(&c->bytes[c->len], data, len);
    c->len += len;
    c->writes++;
    return VIGIL_OK;
}

typedef struct {
    uint8_t type;
    uint16_t seq;
    uint8_t payload[MSG_FEATURES_MAX_LEN];
    size_t payload_len;
} rx_frame_t;

/* Deframes everything captured so far. */
static size_t parse_capture(const capture_t *c, rx_frame_t *out, size_t max)
{
    static frame_deframer_t d;
    frame_deframer_init(&d);
    size_t n = 0;
    for (size_t i = 0; i < c->len; i++) {
        frame_view_t v;
        if (frame_deframer_push_u8(&d, c->bytes[i], &v)) {
            assert_true(n < max);
            out[n].type = v.type;
            out[n].seq = v.seq;
            out[n].payload_len = v.payload_len;
            memcpy(out[n].payload, v.payload, v.payload_len);
            n++;
        }
    }
    frame_stats_t s = frame_deframer_stats(&d);
    assert_int_equal(s.bad_cobs + s.bad_crc + s.bad_length + s.bad_version + s.oversize, 0);
    return n;
}

static capture_t g_cap;

static node_config_t config_2axes(void)
{
    node_config_t cfg = {
        .axis_count = 2,
        .window_len = 1024,
        .hop = 512,
        .sample_rate_hz = 48000,
        .name = "test-node",
        .channels = "DE_accel,FE_accel",
        .uid = {0xA0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xAB},
        .board = MSG_BOARD_HOST,
        .fw_major = 0, .fw_minor = 1, .fw_patch = 0,
        .send_bands = true,
        .samples_in = true,
        .link = {[NODE_LINK_WIRED] = {capture_write, &g_cap}},
    };
    return cfg;
}

static node_t g_node;
static rx_frame_t g_frames[256];
static float g_samples[8192 * 3];

static int setup(void **state)
{
    (void)state;
    memset(&g_cap, 0, sizeof g_cap);
    node_config_t cfg = config_2axes();
    return node_init(&g_node, &cfg) == VIGIL_OK ? 0 : -1;
}

static void init_rejects_bad_config(void **state)
{
    (void)state;
    node_config_t c;
#define REJECT(field_change)                                                                           \
    do {                                                                                               \
        c = config_2axes();                                                                            \
        field_change;                                                                                  \
        assert_int_equal(node_init(&g_node, &c), VIGIL_ERR_ARG);                \
    } while (0)
    REJECT(c.axis_count = 0);
    REJECT(c.axis_count = 4);
    REJECT(c.window_len = 0);
    REJECT(c.window_len = NODE_WINDOW_MAX + 1);
    REJECT(c.hop = 0);
    REJECT(c.hop = 1025);
    REJECT(c.sample_rate_hz = 0);
    REJECT(c.name = "123456789012345678901234567890123"); /* 33 bytes */
    REJECT(c.channels = "only-one");                       /* 2 axes need 2 names */
    REJECT(c.channels = NULL);
    /* docs/features.md: window and segment are powers of two, the segment fits the window, and
     * this build has an FFT plan for it; other band counts bring their edge table. */
    REJECT(c.window_len = 1000);
    REJECT(c.window_len = 32);
    REJECT(c.segment_len = 2048);
    REJECT(c.segment_len = 48);
    REJECT(c.band_count = 16);
    static const uint16_t bad_edges[4] = {1, 5, 5, 9};
    REJECT((c.band_count = 3, c.band_edges = bad_edges));
    static const uint16_t edges3[4] = {1, 5, 40, 513};
    c = config_2axes();
    c.band_count = 3;
    c.band_edges = edges3;
    assert_int_equal(node_init(&g_node, &c), VIGIL_OK);
    c.segment_len = 256; /* edges beyond 256/2 + 1 */
    assert_int_equal(node_init(&g_node, &c), VIGIL_ERR_ARG);
#undef REJECT
    assert_int_equal(node_init(&g_node, NULL), VIGIL_ERR_ARG);
    c = config_2axes();
    c.link[NODE_LINK_WIRED].write = NULL;
    assert_int_equal(node_init(&g_node, &c), VIGIL_ERR_ARG);
    c = config_2axes();
    c.range_g = 3;
    assert_int_equal(node_init(&g_node, &c), VIGIL_ERR_ARG);
    c.range_g = 0;
    c.channels = "";
    c.window_len = NODE_WINDOW_MAX;
    c.hop = NODE_WINDOW_MAX;
    assert_int_equal(node_init(&g_node, &c), VIGIL_OK);
    c.axis_count = 3; /* 3 x 4096 floats must fit NODE_SAMPLES_MAX */
    assert_int_equal(node_init(&g_node, &c),
                     3u * NODE_WINDOW_MAX <= NODE_SAMPLES_MAX ? VIGIL_OK : VIGIL_ERR_ARG);
}

static void boot_hello_is_flush_then_hello(void **state)
{
    (void)state;
    (void)node_send_hello(&g_node);
    assert_int_equal(g_cap.bytes[0], 0x00);
    assert_int_equal(parse_capture(&g_cap, g_frames, 64), 2);
    assert_int_equal(g_frames[0].type, MSG_TYPE_HELLO);
    assert_int_equal(g_frames[0].seq, 0);
    assert_int_equal(g_frames[1].type, MSG_TYPE_LOG); /* code 1, boot */
    assert_int_equal(g_frames[1].seq, 1);
    assert_int_equal(proto_get_u16le(&g_frames[1].payload[1]), MSG_LOG_BOOT);
    msg_hello_t h;
    assert_int_equal(msg_hello_decode(g_frames[0].payload, g_frames[0].payload_len, &h), VIGIL_OK);
    node_config_t cfg = config_2axes();
    assert_int_equal(h.protocol_version, 1);
    assert_int_equal(h.fw_minor, 1);
    assert_memory_equal(h.uid, cfg.uid, MSG_UID_LEN);
    assert_int_equal(h.board, MSG_BOARD_HOST);
    assert_int_equal(h.axis_count, 2);
    assert_int_equal(h.window_len, 1024);
    assert_int_equal(h.hop, 512);
    assert_int_equal(h.sample_rate_hz, 48000);
    assert_string_equal(h.name, "test-node");
    assert_string_equal(h.channels, "DE_accel,FE_accel");
}

/* 8192 samples, window 1024, hop 512: windows end at 1024, 1536, ..., 8192 -> 15 frames. */
static void features_count_index_and_time(void **state)
{
    (void)state;
    for (size_t i = 0; i < 8192; i++) {
        g_samples[2 * i] = 2.0f;                       /* constant: rms 0 */
        g_samples[2 * i + 1] = (i & 1) ? 0.5f : -0.5f; /* square: rms 0.5 */
    }
    (void)node_send_hello(&g_node);
    assert_int_equal(node_push_samples(&g_node, g_samples, 8192), VIGIL_OK);
    size_t n = parse_capture(&g_cap, g_frames, 64);
    assert_int_equal(n, 2 + 15);
    for (size_t k = 0; k < 15; k++) {
        const rx_frame_t *fr = &g_frames[2 + k];
        assert_int_equal(fr->type, MSG_TYPE_FEATURES);
        assert_int_equal(fr->seq, 2 + k); /* the boot HELLO and LOG took seq 0 and 1 */
        msg_features_t f;
        assert_int_equal(msg_features_decode(fr->payload, fr->payload_len, &f), VIGIL_OK);
        assert_int_equal(f.window_index, k);
        /* protocol.md §3.2: floor((k*512 + 1024) * 1e6 / 48000) */
        uint64_t expect_t = ((uint64_t)k * 512 + 1024) * 1000000u / 48000u;
        assert_true(f.t_us == expect_t);
        assert_true(f.shaft_hz == 0.0f);
        assert_int_equal(f.axis_count, 2);
        assert_int_equal(f.fields_per_axis, 5);
        assert_true(f.values[0] == 0.0f);              /* axis 0 rms */
        assert_true(f.values[1] == 0.0f);              /* peak */
        assert_true(f.values[2] == 0.0f);              /* crest: 0 when rms is 0 */
        assert_true(f.values[3] == 0.0f);              /* kurtosis of a constant */
        assert_true(f.values[5 + 0] == 0.5f);          /* axis 1 rms */
        assert_true(f.values[5 + 1] == 0.5f);          /* peak */
        assert_true(f.values[5 + 2] == 1.0f);          /* crest */
        assert_true(f.values[5 + 3] == 1.0f);          /* kurtosis of a square wave */
        assert_true(f.has_trailer);
        assert_true(f.anomaly_score == MSG_FEATURES_NO_MODEL); /* no model: never NaN */
        assert_int_equal(f.band_count, 32);
        assert_true(f.log_bands[0] == -12.0f);         /* a constant has no energy: log10(1e-12) */
        /* The square wave is all at Nyquist (24 kHz): the last band of axis 1 holds it. */
        assert_true(f.log_bands[32 + 31] > -2.0f && f.log_bands[32 + 30] < -11.0f);
    }
    assert_int_equal(g_node.stats.features_sent, 15);
    assert_int_equal(g_node.stats.tx_dropped, 0);
}

/* Pushing in uneven pieces gives the same bytes as one push. */
static void chunking_does_not_matter(void **state)
{
    (void)state;
    uint32_t rng = 99;
    for (size_t i = 0; i < 2 * 5000; i++) {
        g_samples[i] = (float)(test_rand_u32(&rng) % 2001) / 1000.0f - 1.0f;
    }
    assert_int_equal(node_push_samples(&g_node, g_samples, 5000), VIGIL_OK);
    static capture_t whole;
    whole = g_cap;

    assert_int_equal(setup(NULL), 0);
    size_t done = 0, step = 1;
    while (done < 5000) {
        size_t n = step < 5000 - done ? step : 5000 - done;
        assert_int_equal(node_push_samples(&g_node, &g_samples[2 * done], n), VIGIL_OK);
        done += n;
        step = step * 3 % 701 + 1;
    }
    assert_int_equal(g_cap.len, whole.len);
    assert_memory_equal(g_cap.bytes, whole.bytes, whole.len);
    assert_int_equal(node_push_samples(&g_node, NULL, 0), VIGIL_OK);
    assert_int_equal(node_push_samples(&g_node, NULL, 1), VIGIL_ERR_ARG);
}

static void three_axes_are_axis_major(void **state)
{
    (void)state;
    node_config_t cfg = config_2axes();
    cfg.axis_count = 3;
    cfg.channels = "x,y,z";
    cfg.window_len = 64;
    cfg.hop = 64;
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    for (size_t i = 0; i < 128; i++) {
        float s = (i & 1) ? 1.0f : -1.0f;
        g_samples[3 * i + 0] = s;
        g_samples[3 * i + 1] = 2.0f * s;
        g_samples[3 * i + 2] = 3.0f * s + 7.0f;
    }
    assert_int_equal(node_push_samples(&g_node, g_samples, 128), VIGIL_OK);
    assert_int_equal(parse_capture(&g_cap, g_frames, 64), 2);
    msg_features_t f;
    assert_int_equal(msg_features_decode(g_frames[1].payload, g_frames[1].payload_len, &f), VIGIL_OK);
    assert_int_equal(f.window_index, 1);
    assert_true(f.t_us == 128u * 1000000u / 48000u);
    assert_true(f.values[0] == 1.0f);
    assert_true(f.values[5] == 2.0f);
    assert_true(f.values[10] == 3.0f); /* the +7 offset is removed with the mean */
}

static size_t build_hello_req(uint16_t seq, uint8_t *wire, size_t cap)
{
    size_t n = 0;
    assert_int_equal(frame_build(MSG_TYPE_HELLO_REQ, seq, NULL, 0, wire, cap, &n), VIGIL_OK);
    return n;
}

/* protocol.md §2: a response carries the request's seq and leaves the node's own counter alone. */
static void hello_req_gets_hello_with_same_seq(void **state)
{
    (void)state;
    (void)node_send_hello(&g_node); /* own seq 0 */
    uint8_t wire[32];
    size_t n = build_hello_req(0xBEEF, wire, sizeof wire);
    /* Byte by byte across calls, after a lone flush and some garbage. */
    node_rx_bytes(&g_node, NODE_LINK_WIRED, (const uint8_t[]){0x00, 0x02, 0x42, 0x00}, 4);
    for (size_t i = 0; i < n; i++) {
        node_rx_bytes(&g_node, NODE_LINK_WIRED, &wire[i], 1);
    }
    for (size_t i = 0; i < 1024; i++) {
        g_samples[2 * i] = g_samples[2 * i + 1] = 0.0f;
    }
    assert_int_equal(node_push_samples(&g_node, g_samples, 1024), VIGIL_OK);

    assert_int_equal(parse_capture(&g_cap, g_frames, 64), 4);
    assert_int_equal(g_frames[2].type, MSG_TYPE_HELLO);
    assert_int_equal(g_frames[2].seq, 0xBEEF);
    assert_int_equal(g_frames[3].type, MSG_TYPE_FEATURES);
    assert_int_equal(g_frames[3].seq, 2);
    assert_int_equal(g_node.stats.hello_sent, 2);
    assert_int_equal(frame_deframer_stats(&g_node.link[0].rx).frames, 1);
    assert_int_equal(frame_deframer_stats(&g_node.link[0].rx).bad_length, 1); /* the garbage */
}

static void unknown_type_is_counted_and_ignored(void **state)
{
    (void)state;
    uint8_t wire[32];
    size_t n = 0;
    assert_int_equal(frame_build(0x7E, 3, (const uint8_t[]){1, 2}, 2, wire, sizeof wire, &n), VIGIL_OK);
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, n);
    assert_int_equal(g_node.stats.rx_unknown_type, 1);
    /* protocol.md §2: answered with NACK UNKNOWN_TYPE, the request's seq and type. */
    assert_int_equal(parse_capture(&g_cap, g_frames, 4), 1);
    assert_int_equal(g_frames[0].type, MSG_TYPE_NACK);
    assert_int_equal(g_frames[0].seq, 3);
    msg_nack_t nack;
    assert_int_equal(msg_nack_decode(g_frames[0].payload, g_frames[0].payload_len, &nack), VIGIL_OK);
    assert_int_equal(nack.req_type, 0x7E);
    assert_int_equal(nack.reason, MSG_NACK_UNKNOWN_TYPE);
    assert_int_equal(nack.detail, 0);
}

/* A refused write is counted; the window index still advances, so the app sees the gap (protocol.md
 * §2). Before any host has sent a frame on the link (nobody opened the port) the drops are not
 * logged; after that a LOG 7 tells of them (here refused too: the link still takes nothing). */
static void dropped_frames_are_counted(void **state)
{
    (void)state;
    memset(g_samples, 0, sizeof g_samples);
    g_cap.refuse = true;
    assert_int_equal(node_push_samples(&g_node, g_samples, 1536), VIGIL_OK);
    assert_int_equal(g_node.stats.tx_dropped, 2); /* 2 FEATURES, no LOG 7: nobody listened yet */
    assert_int_equal(g_node.link[0].tx_dropped, 2);
    assert_int_equal(g_node.stats.features_sent, 0);
    g_cap.refuse = false;
    assert_int_equal(node_push_samples(&g_node, g_samples, 512), VIGIL_OK);
    assert_int_equal(parse_capture(&g_cap, g_frames, 64), 1);
    msg_features_t f;
    assert_int_equal(msg_features_decode(g_frames[0].payload, g_frames[0].payload_len, &f), VIGIL_OK);
    assert_int_equal(f.window_index, 2);
    /* seq also counts the frames that were dropped: FEATURES 0, FEATURES 1, FEATURES 2 */
    assert_int_equal(g_frames[0].seq, 2);

    /* A host speaks (HELLO_REQ); from then on a refused frame is a loss it cares about. */
    uint8_t wire[32];
    size_t n = 0;
    assert_int_equal(frame_build(MSG_TYPE_HELLO_REQ, 9, NULL, 0, wire, sizeof wire, &n), VIGIL_OK);
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, n);
    (void)parse_capture(&g_cap, g_frames, 64);
    const uint32_t before = g_node.stats.tx_dropped;
    g_cap.refuse = true;
    assert_int_equal(node_push_samples(&g_node, g_samples, 512), VIGIL_OK);
    g_cap.refuse = false;
    assert_int_equal(g_node.stats.tx_dropped - before, 2); /* the FEATURES and the LOG 7 telling of it */

    /* A LOG 7 no link took is not forgotten: once the link takes frames again, the next one (at
     * most once a second of node time) tells of the FEATURES dropped. */
    bool told = false;
    for (int k = 0; k < 200 && !told; k++) {
        g_cap.len = 0;
        assert_int_equal(node_push_samples(&g_node, g_samples, 512), VIGIL_OK);
        size_t got = parse_capture(&g_cap, g_frames, 64);
        for (size_t i = 0; i < got; i++) {
            msg_log_t log;
            if (g_frames[i].type == MSG_TYPE_LOG &&
                msg_log_decode(g_frames[i].payload, g_frames[i].payload_len, &log) == VIGIL_OK &&
                log.code == MSG_LOG_DROPPED) {
                assert_int_equal(log.text_len, strlen("frames dropped: 1"));
                assert_memory_equal(log.text, "frames dropped: 1", log.text_len);
                told = true;
            }
        }
    }
    assert_true(told);
    assert_int_equal(g_node.drops_unlogged, 0);
}

static void t_us_formula_and_range(void **state)
{
    (void)state;
    assert_true(node_window_t_us(0, 512, 1024, 48000) == 21333u);   /* 1024/48000 s = 21333.3 us */
    assert_true(node_window_t_us(1, 512, 1024, 48000) == 32000u);
    assert_true(node_window_t_us(14, 512, 1024, 48000) == 170666u);
    /* The largest product, (2^32 - 1) * 4096 + 4096 = 2^44 samples at 1 Hz, must not overflow. */
    assert_true(node_window_t_us(0xFFFFFFFFu, 4096, 4096, 1) == 17592186044416000000ull);
    uint32_t rng = 7;
    for (int i = 0; i < 10000; i++) {
        uint32_t idx = test_rand_u32(&rng);
        uint16_t hop = (uint16_t)(1 + test_rand_u32(&rng) % 4096);
        uint16_t len = (uint16_t)(hop + test_rand_u32(&rng) % (4097u - hop));
        uint32_t rate = 1 + test_rand_u32(&rng) % 200000;
        unsigned __int128 samples = (unsigned __int128)idx * hop + len;
        uint64_t expect = (uint64_t)(samples * 1000000u / rate);
        assert_true(node_window_t_us(idx, hop, len, rate) == expect);
    }
}

/* ---- the model, events and SAMPLES_IN ---- */

static float g_rec[48000 * 2];

static size_t read_recording(const char *file)
{
    static csv_reader_t r;
    char path[512];
    snprintf(path, sizeof path, "%s/data/demo/%s", VIGIL_REPO_ROOT, file);
    assert_int_equal(csv_open(&r, path, "DE_accel,FE_accel"), VIGIL_OK);
    size_t n = 0;
    while (n < 48000 && csv_read_row(&r, &g_rec[2 * n]) == 1) {
        n++;
    }
    csv_close(&r);
    return n;
}

typedef struct {
    size_t features, events_started, events_ended;
    float max_score;
    msg_event_t last_event;
} summary_t;

static summary_t summarize(void)
{
    summary_t sum = {0};
    size_t n = parse_capture(&g_cap, g_frames, 256);
    static msg_features_t f;
    for (size_t i = 0; i < n; i++) {
        if (g_frames[i].type == MSG_TYPE_FEATURES) {
            assert_int_equal(msg_features_decode(g_frames[i].payload, g_frames[i].payload_len, &f), VIGIL_OK);
            assert_true(f.has_trailer);
            assert_true(isfinite(f.anomaly_score) && f.anomaly_score >= 0.0f);
            sum.max_score = f.anomaly_score > sum.max_score ? f.anomaly_score : sum.max_score;
            sum.features++;
        } else if (g_frames[i].type == MSG_TYPE_EVENT) {
            assert_int_equal(msg_event_decode(g_frames[i].payload, g_frames[i].payload_len, &sum.last_event),
                             VIGIL_OK);
            if (sum.last_event.state == MSG_EVENT_STARTED) {
                sum.events_started++;
            } else {
                sum.events_ended++;
            }
        }
    }
    return sum;
}

/* The built-in model (trained on the normal excerpt) on the two shipped recordings. */
static void default_model_flags_the_fault_not_the_normal_run(void **state)
{
    (void)state;
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN), VIGIL_OK);
    size_t rows = read_recording("cwru_normal_0hp_1797rpm_48k_1s.csv");
    assert_int_equal(node_push_samples(&g_node, g_rec, rows), VIGIL_OK);
    summary_t normal = summarize();
    print_message("normal: %zu windows, max score %.4f, %zu events\n", normal.features, normal.max_score,
                  normal.events_started);
    assert_int_equal(normal.features, 92);
    assert_int_equal(normal.events_started, 0);

    g_cap.len = 0;
    node_restart_stream(&g_node);
    rows = read_recording("cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv");
    assert_int_equal(node_push_samples(&g_node, g_rec, rows), VIGIL_OK);
    summary_t fault = summarize();
    print_message("inner race: %zu windows, max score %.4f, %zu events, first at windows %u..%u\n",
                  fault.features, fault.max_score, fault.events_started,
                  (unsigned)fault.last_event.start_window, (unsigned)fault.last_event.end_window);
    assert_int_equal(fault.features, 92);
    assert_int_equal(fault.events_started, 1);
    assert_int_equal(fault.events_ended, 0);
    assert_true(fault.max_score > 5.0f * normal.max_score);
    const msg_event_t *e = &fault.last_event;
    assert_int_equal(e->state, MSG_EVENT_STARTED);
    assert_int_equal(e->debounce_k, 3);
    assert_int_equal(e->debounce_n, 5);
    assert_int_equal(e->model_version, 1);
    assert_true(e->end_window - e->start_window <= 4);
    assert_true(e->start_t_us == node_window_t_us(e->start_window, 512, 1024, 48000));
    assert_true(e->peak_score > e->threshold);

    /* A new stream closes the open event. */
    g_cap.len = 0;
    node_restart_stream(&g_node);
    summary_t closed = summarize();
    assert_int_equal(closed.events_ended, 1);
    assert_int_equal(closed.last_event.event_id, e->event_id);
    assert_true(closed.last_event.end_window >= e->end_window);
}

/* An alarm in progress is ended (in the old model's terms) when the model is swapped, event ids go
 * on counting, and a host that asks HELLO_REQ during an alarm is told of it. */
static void alarm_ends_with_its_model_and_reaches_a_late_host(void **state)
{
    (void)state;
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN), VIGIL_OK);
    const size_t rows = read_recording("cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv");
    assert_int_equal(node_push_samples(&g_node, g_rec, rows), VIGIL_OK);
    const summary_t fault = summarize();
    assert_int_equal(fault.events_started, 1);
    const uint32_t first = fault.last_event.event_id;

    /* A host connects now: after its HELLO, the alarm in progress. */
    g_cap.len = 0;
    uint8_t wire[32];
    size_t n = 0;
    assert_int_equal(frame_build(MSG_TYPE_HELLO_REQ, 77, NULL, 0, wire, sizeof wire, &n), VIGIL_OK);
    node_rx_bytes(&g_node, 0, wire, n);
    assert_int_equal(parse_capture(&g_cap, g_frames, 8), 2);
    assert_int_equal(g_frames[0].type, MSG_TYPE_HELLO);
    assert_int_equal(g_frames[1].type, MSG_TYPE_EVENT);
    msg_event_t e;
    assert_int_equal(msg_event_decode(g_frames[1].payload, g_frames[1].payload_len, &e), VIGIL_OK);
    assert_int_equal(e.state, MSG_EVENT_STARTED);
    assert_int_equal(e.event_id, first);
    assert_int_equal(e.start_window, fault.last_event.start_window);

    /* The model is swapped (here for the same one): the old alarm ends first... */
    g_cap.len = 0;
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN), VIGIL_OK);
    const summary_t swap = summarize();
    assert_int_equal(swap.events_ended, 1);
    assert_int_equal(swap.last_event.event_id, first);
    assert_int_equal(swap.last_event.model_version, 1);
    /* ...and the next alarm has the next id, not 0 again. */
    g_cap.len = 0;
    assert_int_equal(node_push_samples(&g_node, g_rec, rows), VIGIL_OK);
    const summary_t again = summarize();
    assert_int_equal(again.events_started, 1);
    assert_int_equal(again.last_event.event_id, first + 1);
    /* No model, no alarm: it is ended too. */
    g_cap.len = 0;
    node_clear_model(&g_node);
    const summary_t cleared = summarize();
    assert_int_equal(cleared.events_ended, 1);
    assert_int_equal(cleared.last_event.event_id, first + 1);
}

/* ---- a model with a speed section (docs/model-format.md §2.9, docs/detection.md §2.1) ---- */

typedef struct {
    size_t features, unseen, scored, events_started;
    size_t stated; /* windows whose state's threshold (1.4) is the section's, or -1 while unseen */
    float max_score;
    msg_event_t last_event;
} speed_summary_t;

static speed_summary_t speed_summary(void)
{
    speed_summary_t sum = {0};
    const size_t n = parse_capture(&g_cap, g_frames, 256);
    static msg_features_t f;
    for (size_t i = 0; i < n; i++) {
        if (g_frames[i].type == MSG_TYPE_FEATURES) {
            assert_int_equal(msg_features_decode(g_frames[i].payload, g_frames[i].payload_len, &f), VIGIL_OK);
            assert_true(f.has_state);
            sum.features++;
            assert_true(f.has_threshold);
            if (f.detector == MSG_DETECTOR_UNSEEN) {
                assert_true(f.anomaly_score == MSG_FEATURES_NO_MODEL); /* -1, never NaN */
                sum.unseen++;
                sum.stated += f.threshold == MSG_NO_THRESHOLD;
            } else {
                assert_int_equal(f.detector, MSG_DETECTOR_MODEL);
                assert_true(isfinite(f.anomaly_score) && f.anomaly_score >= 0.0f);
                sum.max_score = f.anomaly_score > sum.max_score ? f.anomaly_score : sum.max_score;
                sum.scored++;
                sum.stated += f.threshold == SV_BLOB_THRESHOLD;
            }
        } else if (g_frames[i].type == MSG_TYPE_EVENT) {
            assert_int_equal(msg_event_decode(g_frames[i].payload, g_frames[i].payload_len, &sum.last_event), VIGIL_OK);
            sum.events_started += sum.last_event.state == MSG_EVENT_STARTED;
        }
    }
    return sum;
}

static speed_summary_t speed_run(const char *file, float shaft_hz)
{
    g_node.shaft_hz = shaft_hz; /* as CONFIG key 4 sets it */
    node_restart_stream(&g_node);
    g_cap.len = 0;
    const size_t rows = read_recording(file);
    assert_int_equal(node_push_samples(&g_node, g_rec, rows), VIGIL_OK);
    return speed_summary();
}

/* The node scores with the speed section at its configured shaft speed: an unknown or untrained
 * speed is an unseen condition on every FEATURES (never an alarm); inside the span the healthy
 * recording raises nothing and the fault raises one EVENT with the section's threshold. */
static void speed_section_scores_at_the_shaft_speed(void **state)
{
    (void)state;
    static uint8_t blob[SV_BLOB_LEN] __attribute__((aligned(4)));
    memcpy(blob, sv_blob_bytes, sizeof blob);
    static const uint8_t zero_key[32];
    hmac_sha256(zero_key, sizeof zero_key, blob, sizeof blob - 32u, &blob[sizeof blob - 32u]); /* unpaired */
    assert_int_equal(node_set_model(&g_node, blob, sizeof blob, MSG_MODEL_SOURCE_BUILTIN), VIGIL_OK);
    assert_true(g_node.run.nn.speed_on);

    const char *normal = "cwru_normal_0hp_1797rpm_48k_1s.csv";
    const char *fault = "cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv";
    speed_summary_t s = speed_run(fault, 0.0f); /* speed unknown */
    assert_int_equal(s.features, 92);
    assert_int_equal(s.unseen, 92);
    assert_int_equal(s.stated, 92); /* no threshold stated at an unseen speed (protocol 1.4) */
    assert_int_equal(s.events_started, 0);
    s = speed_run(fault, 3000.0f / 60.0f); /* outside 800..1400 rpm (+3 %) */
    assert_int_equal(s.unseen, 92);
    assert_int_equal(s.events_started, 0);

    s = speed_run(normal, 1000.0f / 60.0f); /* inside the span, between the trained speeds */
    print_message("speed section, healthy at 1000 rpm: %zu windows, max score %.3f (threshold %.3f)\n", s.scored,
                  (double)s.max_score, (double)SV_BLOB_THRESHOLD);
    assert_int_equal(s.scored, 92);
    assert_int_equal(s.stated, 92); /* the section's threshold on every scored window, before any EVENT */
    assert_int_equal(s.events_started, 0);

    s = speed_run(fault, 1000.0f / 60.0f);
    print_message("speed section, fault at 1000 rpm: max score %.1f, event at windows %u..%u\n", (double)s.max_score,
                  (unsigned)s.last_event.start_window, (unsigned)s.last_event.end_window);
    assert_int_equal(s.events_started, 1);
    assert_true(s.last_event.threshold == SV_BLOB_THRESHOLD);
    assert_true(s.last_event.peak_score > s.last_event.threshold);
    assert_true(s.last_event.peak_score <= s.max_score); /* the peak of the over windows; warm-up windows may score higher */
    assert_int_equal(s.last_event.model_version, 7);
    /* the smoothing's warm-up: no window before the 8th after the restart counts as over */
    assert_true(s.last_event.start_window >= 8u);
}

/* A 3-axis node runs a 2-axis speed-aware model over its first and third axes (the model's axes map
 * 0, 2; docs/model-format.md §2.3, docs/detection.md §2.1: the STM32F405's 3-axis section is over
 * its per-window budget, so a 3-axis node runs a section over two of its axes). The golden int8
 * two-axis section (speed_vectors.h blob8) with its axes rewritten to 0, 2; the three axes carry
 * three different signals (healthy drive end, inner-race fault, healthy fan end). Every FEATURES
 * score equals nn_speed_step on the frame's own bands of axes 0 and 2, bit for bit (the scorer the
 * TS twin matches on the golden vectors), and differs from the score of axes 0 and 1. */
static float g_rec3[48000 * 3];
static float g_fault_de[48000];

static void three_axis_node_runs_a_two_axis_speed_model_on_axes_0_and_2(void **state)
{
    (void)state;
    node_config_t cfg = config_2axes();
    cfg.axis_count = 3;
    cfg.channels = "x,y,z";
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);

    static uint8_t blob[SV_BLOB8_LEN] __attribute__((aligned(4)));
    memcpy(blob, sv_blob8_bytes, sizeof blob);
    const uint32_t input_offset = proto_get_u32le(&blob[28]);
    const uint32_t crc_offset = proto_get_u32le(&blob[44]);
    assert_int_equal(blob[21], 2);                   /* axis_count */
    assert_int_equal(blob[input_offset], 2);
    assert_int_equal(blob[input_offset + 1u], 0);    /* as generated: node axes 0, 1 */
    assert_int_equal(blob[input_offset + 2u], 1);
    blob[input_offset + 2u] = 2;                     /* the model now reads node axes 0, 2 */
    proto_put_u32le(&blob[crc_offset], proto_crc32_u8(blob, crc_offset));
    static const uint8_t zero_key[32];
    hmac_sha256(zero_key, sizeof zero_key, blob, sizeof blob - 32u, &blob[sizeof blob - 32u]); /* unpaired */
    assert_int_equal(node_set_model(&g_node, blob, sizeof blob, MSG_MODEL_SOURCE_BUILTIN), VIGIL_OK);
    assert_true(g_node.run.nn.speed_on);
    assert_int_equal(g_node.run.nn.model.axes[1], 2);

    size_t rows = read_recording("cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv");
    for (size_t i = 0; i < rows; i++) {
        g_fault_de[i] = g_rec[2 * i];
    }
    const size_t fault_rows = rows;
    rows = read_recording("cwru_normal_0hp_1797rpm_48k_1s.csv");
    rows = rows < fault_rows ? rows : fault_rows;
    for (size_t i = 0; i < rows; i++) {
        g_rec3[3 * i] = g_rec[2 * i];          /* x: healthy drive end */
        g_rec3[3 * i + 1] = g_fault_de[i];     /* y: the inner-race fault */
        g_rec3[3 * i + 2] = g_rec[2 * i + 1];  /* z: healthy fan end */
    }

    g_node.shaft_hz = 1000.0f / 60.0f; /* inside 800..1400 rpm */
    node_restart_stream(&g_node);
    g_cap.len = 0;
    assert_int_equal(node_push_samples(&g_node, g_rec3, rows), VIGIL_OK);

    static nn_speed_run_t r02, r01;
    memset(&r02, 0, sizeof r02);
    memset(&r01, 0, sizeof r01);
    const nn_speed_t *sp = &g_node.run.nn.speed;
    const size_t n = parse_capture(&g_cap, g_frames, 256);
    static msg_features_t f;
    size_t scored = 0, equal = 0, differ01 = 0;
    float max02 = 0.0f, max01 = 0.0f;
    for (size_t i = 0; i < n; i++) {
        if (g_frames[i].type != MSG_TYPE_FEATURES) {
            continue;
        }
        assert_int_equal(msg_features_decode(g_frames[i].payload, g_frames[i].payload_len, &f), VIGIL_OK);
        assert_int_equal(f.axis_count, 3);
        assert_int_equal(f.band_count, 32);
        float x02[64], x01[64];
        memcpy(x02, &f.log_bands[0], 32 * sizeof(float));
        memcpy(&x02[32], &f.log_bands[2 * 32], 32 * sizeof(float));
        memcpy(x01, &f.log_bands[0], 64 * sizeof(float));
        const float rpm = g_node.shaft_hz * 60.0f; /* as the node computes it */
        const nn_speed_step_t a = nn_speed_step(sp, &r02, x02, rpm);
        const nn_speed_step_t b = nn_speed_step(sp, &r01, x01, rpm);
        assert_int_equal(f.detector, MSG_DETECTOR_MODEL);
        assert_true(a.state != NN_SPEED_UNSEEN);
        scored++;
        equal += memcmp(&a.score, &f.anomaly_score, sizeof(float)) == 0;
        differ01 += b.score != f.anomaly_score;
        max02 = a.score > max02 ? a.score : max02;
        max01 = b.score > max01 ? b.score : max01;
    }
    print_message("3-axis node, 2-axis speed model on axes 0,2: %zu windows, max score %.3f (axes 0,1 would give %.1f)\n",
                  scored, (double)max02, (double)max01);
    assert_int_equal(scored, 92);
    assert_int_equal(equal, scored);    /* the node's score is the scorer's on axes 0 and 2, bit for bit */
    assert_int_equal(differ01, scored); /* and not the one on axes 0 and 1 */
    assert_true(max01 > SV_BLOB8_THRESHOLD && max02 < max01); /* the fault sits on the axis the model does not read */
}

static void model_checks_spec_key_and_limits(void **state)
{
    (void)state;
    /* Another sample rate: another feature spec. */
    node_config_t cfg = config_2axes();
    cfg.sample_rate_hz = 26667;
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN), VIGIL_ERR_SPEC);
    /* One axis: the model reads node axis 1. */
    cfg = config_2axes();
    cfg.axis_count = 1;
    cfg.channels = "DE_accel";
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN), VIGIL_ERR_SPEC);
    /* A paired node refuses a store blob tagged under the unpaired key; the built-in model stays
     * trusted (model-format §2.7: it is verified with the zero key). */
    assert_int_equal(setup(NULL), 0);
    uint8_t key[32];
    memset(key, 0x5A, sizeof key);
    node_set_key(&g_node, key);
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_SLOT0),
                     VIGIL_ERR_AUTH);
    assert_int_equal(node_accept_model(&g_node, nn_default_model_blob, nn_default_model_len), VIGIL_ERR_AUTH);
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN),
                     VIGIL_OK);
    memset(key, 0, sizeof key);
    node_set_key(&g_node, key);
    assert_int_equal(node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN), VIGIL_OK);
    /* A refused candidate leaves the running model alone. */
    static _Alignas(4) uint8_t bad[8192];
    memcpy(bad, nn_default_model_blob, nn_default_model_len);
    bad[200] ^= 1;
    assert_int_equal(node_set_model(&g_node, bad, nn_default_model_len, MSG_MODEL_SOURCE_SLOT0), VIGIL_ERR_CRC);
    assert_true(g_node.model_ok);
    assert_int_equal(node_accept_model(&g_node, nn_default_model_blob, nn_default_model_len), VIGIL_OK);
    assert_true(g_node.model_ok);
    node_clear_model(&g_node);
    assert_false(g_node.model_ok);
}

static size_t samples_in_wire(uint32_t first, uint8_t axes, const float *frames, size_t n, uint8_t *wire,
                              size_t cap)
{
    uint8_t payload[FRAME_MAX_PAYLOAD];
    size_t len = 0, w = 0;
    assert_int_equal(msg_samples_in_encode(first, axes, frames, n, payload, sizeof payload, &len), VIGIL_OK);
    assert_int_equal(frame_build(MSG_TYPE_SAMPLES_IN, 9, payload, len, wire, cap, &w), VIGIL_OK);
    return w;
}

/* SAMPLES_IN gives the same FEATURES bytes as pushing the samples directly. */
static void samples_in_feeds_the_windows(void **state)
{
    (void)state;
    uint32_t rng = 5;
    for (size_t i = 0; i < 2 * 3000; i++) {
        g_samples[i] = (float)(test_rand_u32(&rng) % 2001) / 1000.0f - 1.0f;
    }
    assert_int_equal(node_push_samples(&g_node, g_samples, 3000), VIGIL_OK);
    static capture_t direct;
    direct = g_cap;

    assert_int_equal(setup(NULL), 0);
    static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    const size_t per = MSG_SAMPLES_IN_MAX_FRAMES(2);
    for (size_t done = 0; done < 3000; done += per) {
        const size_t n = 3000 - done < per ? 3000 - done : per;
        node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, samples_in_wire((uint32_t)done, 2, &g_samples[2 * done], n, wire, sizeof wire));
    }
    assert_int_equal(g_node.stats.samples_in_frames, 3000);
    assert_int_equal(g_node.stats.samples_in_rejected, 0);
    assert_int_equal(g_cap.len, direct.len);
    assert_memory_equal(g_cap.bytes, direct.bytes, direct.len);

    /* A gap is refused (the host must restart at frame 0); the wrong axis count too. */
    const size_t before = g_cap.len;
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, samples_in_wire(5000, 2, g_samples, 10, wire, sizeof wire));
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, samples_in_wire(3000, 1, g_samples, 10, wire, sizeof wire));
    assert_int_equal(g_node.stats.samples_in_rejected, 2);
    assert_int_equal(g_cap.len, before);
    /* first_frame 0 restarts the stream: window 0 again after 1024 frames. */
    for (uint32_t done = 0; done < 1016; done += 127) { /* frames 0 .. 1015 */
        node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, samples_in_wire(done, 2, &g_samples[2 * done], 127, wire, sizeof wire));
    }
    g_cap.len = 0;
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, samples_in_wire(1016, 2, &g_samples[2 * 1016], 10, wire, sizeof wire));
    assert_int_equal(parse_capture(&g_cap, g_frames, 256), 1);
    msg_features_t f;
    assert_int_equal(msg_features_decode(g_frames[0].payload, g_frames[0].payload_len, &f), VIGIL_OK);
    assert_int_equal(f.window_index, 0);

    /* A corrupt payload is counted; a board without SAMPLES_IN refuses them. */
    uint8_t payload[4] = {0, 0, 0, 0};
    size_t w = 0;
    assert_int_equal(frame_build(MSG_TYPE_SAMPLES_IN, 1, payload, sizeof payload, wire, sizeof wire, &w), VIGIL_OK);
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, w);
    assert_int_equal(g_node.stats.rx_bad_payload, 1);
    node_config_t cfg = config_2axes();
    cfg.samples_in = false;
    assert_int_equal(node_init(&g_node, &cfg), VIGIL_OK);
    node_rx_bytes(&g_node, NODE_LINK_WIRED, wire, samples_in_wire(0, 2, g_samples, 10, wire, sizeof wire));
    assert_int_equal(g_node.stats.samples_in_rejected, 1);
    assert_int_equal(g_node.stats.samples_in_frames, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(init_rejects_bad_config, setup),
        cmocka_unit_test_setup(boot_hello_is_flush_then_hello, setup),
        cmocka_unit_test_setup(features_count_index_and_time, setup),
        cmocka_unit_test_setup(chunking_does_not_matter, setup),
        cmocka_unit_test_setup(three_axes_are_axis_major, setup),
        cmocka_unit_test_setup(hello_req_gets_hello_with_same_seq, setup),
        cmocka_unit_test_setup(unknown_type_is_counted_and_ignored, setup),
        cmocka_unit_test_setup(dropped_frames_are_counted, setup),
        cmocka_unit_test(t_us_formula_and_range),
        cmocka_unit_test_setup(default_model_flags_the_fault_not_the_normal_run, setup),
        cmocka_unit_test_setup(alarm_ends_with_its_model_and_reaches_a_late_host, setup),
        cmocka_unit_test_setup(model_checks_spec_key_and_limits, setup),
        cmocka_unit_test_setup(speed_section_scores_at_the_shaft_speed, setup),
        cmocka_unit_test_setup(three_axis_node_runs_a_two_axis_speed_model_on_axes_0_and_2, setup),
        cmocka_unit_test_setup(samples_in_feeds_the_windows, setup),
    };
    return cmocka_run_group_tests_name("node", tests, NULL, NULL);
}
