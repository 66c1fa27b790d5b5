/*
 * The benchmark image: the node's kernels on the emulated STM32F405, each timed with TIM2, which
 * under `-icount shift=0,align=off,sleep=off` counts executed instructions (chip/stm32f4/tim2.h).
 * bench/firmware.ts builds it, runs it in QEMU and parses the lines
 *   BENCH <name> <value>
 * up to "BENCH end". Every figure is measured BENCH_REPEATS times; the repeats are identical under
 * icount, and a BENCH_SPREAD line reports max - min if they ever are not.
 *
 * The signal: three axes of broadband noise with impacts and 1 g of gravity on z (1024 samples
 * each), and the node configured as a 3-axis node at 48 kHz with the built-in 64-32-8-32-64 model
 * (its feature spec is the 48 kHz one; the cost of a window does not depend on the rate). Frames go
 * to a sink that only counts bytes (the real board hands them to the UART).
 */
#include <stdint.h>
#include <string.h>

#include "dsp/band_tables.h"
#include "dsp/features.h"
#include "dsp/fft.h"
#include "nn/default_model.h"
#include "nn/dense_unfused.h"
#include "nn/infer.h"
#include "nn/speed.h"
#include "node/node.h"
#include "proto/frame.h"
#include "proto/le.h"
#include "bench_io.h"
#include "tim2.h"
#include "usart.h"

#define BENCH_REPEATS 3u
#define N 1024u

extern uint32_t _ebss, _estack;

typedef struct {
    uint32_t lo, hi;
} span_t;

static void span_add(span_t *s, uint32_t d)
{
    s->lo = d < s->lo ? d : s->lo;
    s->hi = d > s->hi ? d : s->hi;
}

static void report_span(const char *name, const span_t *s)
{
    report(name, s->lo);
    if (s->hi != s->lo) {
        put_str("BENCH_SPREAD ");
        put_str(name);
        put_str(" ");
        put_u32(s->hi - s->lo);
        put_str("\n");
    }
}

static float g_axis[3][N];
static float g_frames[3 * 4 * N]; /* interleaved, 4 windows' worth, periodic in 512 frames */
static float g_scratch[DSP_FEATURES_SCRATCH_FLOATS(N)];
static float g_fft[N];
static float g_power[N / 2 + 1];
static dsp_features_t g_feat;
static dsp_velocity_t g_vel[3];
static node_t g_node;
static uint32_t g_sink_bytes;

static vigil_status_t sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    g_sink_bytes += (uint32_t)len;
    return VIGIL_OK;
}

/* Periodic in the hop (512 frames), so every window holds the same samples and every timed hop
 * does exactly the same work (the repeats must agree to the instruction). */
static void make_signal(void)
{
    for (size_t i = 0; i < 512; i++) {
        for (size_t a = 0; a < 3; a++) {
            g_frames[3 * i + a] = 0.05f * noise() + ((i % 97u) == 0u ? 0.4f : 0.0f) + (a == 2 ? 1.0f : 0.0f);
        }
    }
    for (size_t i = 512; i < 4 * N; i++) {
        for (size_t a = 0; a < 3; a++) {
            g_frames[3 * i + a] = g_frames[3 * (i % 512u) + a];
        }
    }
    for (size_t i = 0; i < N; i++) {
        for (size_t a = 0; a < 3; a++) {
            g_axis[a][i] = g_frames[3 * i + a];
        }
    }
}

/* Paints the free stack below the current frame, so its high-water mark can be read afterwards. */
static void stack_paint(void)
{
    uintptr_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = &_ebss; (uintptr_t)p < sp - 256u; p++) {
        *p = 0xA5A5A5A5u;
    }
}

static uint32_t stack_used(void)
{
    const uint32_t *p = &_ebss;
    while (p < &_estack && *p == 0xA5A5A5A5u) {
        p++;
    }
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

/*
 * Fusion (issue 17): a chain of dense layers run three ways, each layer's output kept (out: the
 * layers' outputs one after another, each layer reading the previous one's): the fused reference C
 * (nn_dense_s8_ref, the definition), the unfused passes (nn/dense_unfused.c: the same inner loop, then
 * bias, requantize and clamp as separate passes through int32 scratch) and the node's fused SIMD
 * kernel. Every layer's output must be identical in all three ("BENCH error fusion" otherwise).
 */
#define FUSION_OUT_MAX 256u
#define FUSION_WIDTH_MAX 64u
typedef enum { FUSED_REF, UNFUSED_REF, UNFUSED_MAC_ONLY, FUSED_SIMD, FUSION_KINDS } fusion_kind_t;
typedef struct {
    int8_t out[FUSION_KINDS][FUSION_OUT_MAX];
    int32_t acc[FUSION_WIDTH_MAX]; /* the unfused form's int32 scratch: one word per output of the widest layer */
    _Alignas(8) int16_t wide[FUSION_WIDTH_MAX]; /* the SIMD kernel's widened input */
} fusion_buf_t;
/* In the feature scratch, free once the features are timed (this image's RAM is full). */
static fusion_buf_t *g_fusion;
#define g_fusion_out (g_fusion->out)
#define g_fusion_acc (g_fusion->acc)
#define g_fusion_wide (g_fusion->wide)

static uint32_t fusion_run(fusion_kind_t k, const nn_dense_t *layer, size_t n, const int8_t *x)
{
    int8_t *out = g_fusion_out[k];
    const uint32_t t0 = tim2_now();
    for (size_t l = 0; l < n; l++) {
        switch (k) {
        case FUSED_REF:
            nn_dense_s8_ref(&layer[l], x, out);
            break;
        case UNFUSED_REF:
            nn_dense_s8_unfused(&layer[l], x, out, g_fusion_acc);
            break;
        case UNFUSED_MAC_ONLY: /* pass 1 alone, on the fused outputs: what the other three passes add */
            nn_dense_unfused_mac(&layer[l], x, g_fusion_acc);
            break;
        default:
            nn_dense_s8(&layer[l], x, out, g_fusion_wide);
            break;
        }
        x = k == UNFUSED_MAC_ONLY ? &g_fusion_out[FUSED_REF][out - g_fusion_out[k]] : out;
        out += layer[l].out_dim;
    }
    return tim2_now() - t0;
}

/* Times the chain with each kind (BENCH_REPEATS each) and reports names[kind]; 0 if they agree. */
static int fusion_bench(const nn_dense_t *layer, size_t n, const int8_t *x, const char *const names[FUSION_KINDS])
{
    size_t total = 0;
    for (size_t l = 0; l < n; l++) {
        if (layer[l].out_dim > FUSION_WIDTH_MAX || layer[l].in_dim > FUSION_WIDTH_MAX) {
            return -1;
        }
        total += layer[l].out_dim;
    }
    if (total > FUSION_OUT_MAX) {
        return -1;
    }
    for (unsigned k = 0; k < FUSION_KINDS; k++) {
        span_t s = {UINT32_MAX, 0};
        for (unsigned r = 0; r < BENCH_REPEATS; r++) {
            span_add(&s, fusion_run((fusion_kind_t)k, layer, n, x));
        }
        if (names[k] != NULL) {
            report_span(names[k], &s);
        }
    }
    return memcmp(g_fusion_out[FUSED_REF], g_fusion_out[UNFUSED_REF], total) != 0 ||
                   memcmp(g_fusion_out[FUSED_REF], g_fusion_out[FUSED_SIMD], total) != 0
               ? -1
               : 0;
}

int main(void)
{
    usart_init(USART_PORT_1, 16000000u, 115200u); /* the reset clock: HSI 16 MHz (QEMU models no RCC) */
    tim2_start();
    stack_paint();
    make_signal();

    /* The node: 3 axes, window 1024, hop 512, 32 bands, the built-in model. */
    node_config_t cfg = {
        .axis_count = 3, .window_len = N, .hop = 512, .sample_rate_hz = 48000, .name = "bench",
        .channels = "x,y,z", .board = MSG_BOARD_QEMU, .send_bands = true,
        .link = {[NODE_LINK_WIRED] = {.write = sink}},
    };
    if (node_init(&g_node, &cfg) != VIGIL_OK ||
        node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN) != VIGIL_OK ||
        dsp_features_init(&g_feat, &g_node.spec) != VIGIL_OK) {
        put_str("BENCH error setup\n");
        return 1;
    }
    const dsp_fft_plan_t *plan = g_feat.plan;

    /* 1. The real FFT alone: 1024 points to the power spectrum (permuted input, split, |Y|^2). */
    span_t fft = {UINT32_MAX, 0};
    for (unsigned r = 0; r < BENCH_REPEATS; r++) {
        for (size_t i = 0; i < N; i++) {
            g_fft[i] = g_axis[0][i];
        }
        const uint32_t t0 = tim2_now();
        dsp_rfft_power_f32(plan, g_fft, g_power, false, 0.0f);
        span_add(&fft, tim2_now() - t0);
    }
    report_span("insn_fft_1024", &fft);

    /* 2. The features of one window of 3 axes (statistics, Hann, FFT, PSD, bands, the velocity meter
     * on the hop of 512 new samples). */
    static dsp_axis_features_t out[3];
    static float bands[3][32];
    span_t feat = {UINT32_MAX, 0}, axis1 = {UINT32_MAX, 0};
    for (unsigned r = 0; r < BENCH_REPEATS; r++) {
        const uint32_t t0 = tim2_now();
        for (size_t a = 0; a < 3; a++) {
            dsp_features_axis_f32(&g_feat, g_axis[a], N, g_axis[a], g_scratch, &out[a], bands[a]);
            (void)dsp_velocity_window_f32(&g_feat.vel, &g_vel[a], g_axis[a], N, g_axis[a], N, 512, out[a].mean);
            if (a == 0) {
                span_add(&axis1, tim2_now() - t0);
            }
        }
        span_add(&feat, tim2_now() - t0);
    }
    report_span("insn_features_axis", &axis1);
    report_span("insn_features_window", &feat);

    /* 3. The model on one window's 64 features: input quantisation, 4 dense layers, the error. */
    const nn_model_t *m = &g_node.run.nn.model;
    static float x[64];
    for (size_t i = 0; i < 64; i++) {
        x[i] = bands[i / 32][i % 32];
    }
    static _Alignas(8) uint8_t nn_scratch[1024];
    span_t inf = {UINT32_MAX, 0}, layers = {UINT32_MAX, 0};
    uint32_t sumsq = 0;
    for (unsigned r = 0; r < BENCH_REPEATS; r++) {
        uint32_t t0 = tim2_now();
        sumsq = nn_net_run(&g_node.run.nn.net, x, nn_scratch, NULL, NULL);
        span_add(&inf, tim2_now() - t0);
        /* the four layers alone (what CMSIS-NN's arm_fully_connected_s8 figure covers) */
        static int8_t a[64], b[64];
        static int16_t wide[64];
        memcpy(a, nn_scratch, 64);
        t0 = tim2_now();
        for (size_t l = 0; l < m->layer_count; l++) {
            nn_dense_s8(&g_node.run.nn.net.layer[l], (l & 1u) ? b : a, (l & 1u) ? a : b, wide);
        }
        span_add(&layers, tim2_now() - t0);
    }
    report_span("insn_inference", &inf);
    report_span("insn_dense_layers", &layers);
    report("inference_sumsq", sumsq);

    /* 4. Fusion: the model's four layers (64-32-8-32-64) fused (reference C), unfused, and the SIMD
     * kernel again; then the same four kernels on the shapes 64-16-4-16-64 (each layer the default
     * layer's leading weight bytes and channels: a timing of the smaller shapes, not a trained model). */
    {
        const nn_net_t *net = &g_node.run.nn.net;
        static const char *const big[FUSION_KINDS] = {"insn_dense_fused_ref", "insn_dense_unfused_ref",
                                                       "insn_dense_unfused_mac_ref", "insn_dense_fused_simd"};
        static const char *const small[FUSION_KINDS] = {"insn_dense_small_fused_ref", "insn_dense_small_unfused_ref",
                                                         "insn_dense_small_unfused_mac_ref", "insn_dense_small_fused_simd"};
        static const uint16_t small_w[5] = {64, 16, 4, 16, 64};
        const int8_t *q_in = (const int8_t *)(const void *)nn_scratch; /* nn_net_run's q_in */
        _Static_assert(sizeof(fusion_buf_t) <= sizeof g_scratch, "the fusion buffers fit the scratch");
        g_fusion = (fusion_buf_t *)(void *)g_scratch;
        nn_dense_t sl[4];
        int bad = m->layer_count != 4u || fusion_bench(net->layer, m->layer_count, q_in, big);
        uint32_t widest = 0;
        for (size_t l = 0; l < m->layer_count; l++) {
            widest = net->layer[l].out_dim > widest ? net->layer[l].out_dim : widest;
        }
        report("dense_unfused_scratch_bytes", (uint32_t)NN_DENSE_UNFUSED_SCRATCH_BYTES(widest));
        for (size_t l = 0; l < 4u && !bad; l++) {
            sl[l] = net->layer[l];
            sl[l].in_dim = small_w[l];
            sl[l].out_dim = small_w[l + 1u];
            bad |= (size_t)small_w[l] * small_w[l + 1u] > (size_t)net->layer[l].in_dim * net->layer[l].out_dim ||
                   small_w[l + 1u] > net->layer[l].out_dim;
        }
        bad = bad || fusion_bench(sl, 4u, q_in, small);
        if (bad) {
            put_str("BENCH error fusion\n");
        }
    }

    /*
     * 5. The whole node per hop: 512 new frames of 3 axes (de-interleaved into the rings), the
     * features, the model, the detector, the FEATURES frame. Primed with one window first; each
     * timed push of 512 frames completes exactly one window. Then 511 frames that complete none:
     * the sample intake alone.
     */
    /* Prime with one window and 5 hops, so the detector's 3-of-5 onset (this synthetic signal is
     * no CWRU normal data: the model flags it) and its EVENT frame lie before the timed hops. */
    if (node_push_samples(&g_node, g_frames, N + 5u * 512u) != VIGIL_OK) {
        put_str("BENCH error prime\n");
    }
    span_t hop = {UINT32_MAX, 0}, intake = {UINT32_MAX, 0};
    size_t at = (N + 5u * 512u) % 512u; /* the signal repeats every 512 frames */
    for (unsigned r = 0; r < BENCH_REPEATS; r++) {
        const uint32_t sent = g_node.stats.features_sent;
        const uint32_t t0 = tim2_now();
        const vigil_status_t st = node_push_samples(&g_node, &g_frames[3 * at], 512);
        span_add(&hop, tim2_now() - t0);
        at += 512;
        if (st != VIGIL_OK || g_node.stats.features_sent != sent + 1u) {
            put_str("BENCH error window\n");
        }
    }
    report_span("insn_window_total", &hop);
    /* 6. One FEATURES frame (the last window's) of 3 axes x (5 fields + 32 bands): encode, CRC-32, COBS. */
    span_t frame = {UINT32_MAX, 0};
    for (unsigned r = 0; r < BENCH_REPEATS; r++) {
        static uint8_t payload[MSG_FEATURES_MAX_LEN];
        size_t len = 0, n = 0;
        const uint32_t t0 = tim2_now();
        if (msg_features_encode(&g_node.fmsg, payload, sizeof payload, &len) != VIGIL_OK ||
            frame_build(MSG_TYPE_FEATURES, 1, payload, len, g_node.tx, sizeof g_node.tx, &n) != VIGIL_OK) {
            put_str("BENCH error frame\n");
        }
        span_add(&frame, tim2_now() - t0);
        if (r == 0) {
            report("features_payload_bytes", (uint32_t)len);
            report("features_wire_bytes", (uint32_t)n);
        }
    }
    report_span("insn_features_frame", &frame);

    node_restart_stream(&g_node);
    for (unsigned r = 0; r < BENCH_REPEATS; r++) {
        const uint32_t t0 = tim2_now();
        const vigil_status_t st = node_push_samples(&g_node, g_frames, 511);
        span_add(&intake, tim2_now() - t0);
        if (st != VIGIL_OK) {
            put_str("BENCH error intake\n");
        }
        node_restart_stream(&g_node);
    }
    report_span("insn_intake_511_frames", &intake);

    /*
     * 7. The node's own baseline (docs/detection.md §3) on this window's 3 x 32 log bands: one
     * baseline_step while learning, calibrating and detecting (the largest of each phase), then the
     * whole node per hop detecting with what it learned instead of a model. The learning period is
     * the shortest the node takes (64 windows: 9 learning and 9 calibration windows per speed).
     */
    /* The bench's feature scratch is free by now: the learner lives there (this image's RAM is full). */
    _Static_assert(sizeof(baseline_t) <= sizeof g_scratch, "the baseline fits the scratch");
    baseline_t *bl = (baseline_t *)(void *)g_scratch;
    baseline_config_t bc;
    baseline_default_config(&bc, 96);
    bc.period_windows = NODE_LEARN_WINDOWS_MIN;
    bc.learn_windows = bc.calibrate_windows = (NODE_LEARN_WINDOWS_MIN - 2u * bc.warmup) / 5u;
    if (baseline_init(bl, &bc) != VIGIL_OK) {
        put_str("BENCH error baseline\n");
    }
    uint32_t learn_max = 0, cal_max = 0, detect_max = 0;
    float bands_in[96];
    for (unsigned w = 0; w < bc.period_windows + 8u; w++) {
        for (unsigned i = 0; i < 96u; i++) {
            bands_in[i] = g_node.fmsg.log_bands[i] + 0.01f * (float)((w * 7u + i * 13u) % 17u); /* not constant */
        }
        const bool calibrating = bl->slots > 0 && bl->slot[0].n == bc.learn_windows;
        const bool learning = baseline_learning(bl);
        const uint32_t t0 = tim2_now();
        (void)baseline_step(bl, bands_in, 1000.0f);
        const uint32_t d = tim2_now() - t0;
        uint32_t *m = !learning ? &detect_max : calibrating ? &cal_max : &learn_max;
        *m = d > *m ? d : *m;
    }
    report("insn_baseline_learn_window", learn_max);
    report("insn_baseline_calibrate_window", cal_max);
    report("insn_baseline_detect_window", detect_max);
    report("baseline_state_bytes", (uint32_t)sizeof(baseline_t));

    g_node.shaft_hz = 1000.0f / 60.0f;
    vigil_status_t bst = node_learn(&g_node, NODE_LEARN_WINDOWS_MIN);
    for (unsigned w = 0; w < NODE_LEARN_WINDOWS_MIN + 8u && bst == VIGIL_OK; w++) {
        bst = node_push_samples(&g_node, g_frames, 512); /* the signal repeats every 512 frames */
    }
    if (bst != VIGIL_OK || g_node.detector_state != MSG_DETECTOR_BASELINE) {
        put_str("BENCH error baseline node\n");
    }
    span_t bl_hop = {UINT32_MAX, 0};
    at = 0;
    for (unsigned r = 0; r < BENCH_REPEATS; r++) {
        const uint32_t sent = g_node.stats.features_sent;
        const uint32_t t0 = tim2_now();
        const vigil_status_t st = node_push_samples(&g_node, &g_frames[3 * at], 512);
        span_add(&bl_hop, tim2_now() - t0);
        at += 512;
        if (st != VIGIL_OK || g_node.stats.features_sent != sent + 1u) {
            put_str("BENCH error baseline window\n");
        }
    }
    report_span("insn_window_total_baseline", &bl_hop);

    /*
     * 8. The speed-aware detector in node form (nn/speed.c, docs/model-format.md §2.9): one
     * nn_speed_step on D = 96 (3 axes x 32 bands, this node) and D = 64 (2 axes), two trained
     * speeds, the window between them, with int16 W (weight format 0: 20,392 B for D = 96) and
     * int8 W (format 1: 11,176 B). The section is built in g_frames, free by now; its weights are
     * pseudo-random (the count does not depend on them).
     */
    static const uint32_t speed_dims[4] = {96u, 64u, 96u, 64u};
    static const uint32_t speed_fmt[4] = {NN_SPEED_W_I16, NN_SPEED_W_I16, NN_SPEED_W_I8, NN_SPEED_W_I8};
    static const char *const speed_names[4] = {"insn_speed_node_window_96", "insn_speed_node_window_64",
                                               "insn_speed_node_window_i8_96", "insn_speed_node_window_i8_64"};
    for (unsigned c = 0; c < 4u; c++) {
        const uint32_t d = speed_dims[c];
        const uint32_t fmt = speed_fmt[c];
        uint8_t *sec = (uint8_t *)(void *)g_frames;
        const size_t len = nn_speed_section_size(d, 2u, fmt);
        if (len > sizeof g_frames || sizeof(nn_speed_run_t) > sizeof g_scratch) {
            put_str("BENCH error speed size\n");
            break;
        }
        memset(sec, 0, len);
        memcpy(sec, "VSPD", 4);
        proto_put_u16le(&sec[4], (uint16_t)d);
        sec[6] = 2u;
        sec[7] = (uint8_t)fmt;
        proto_put_f32le(&sec[8], 0.25f);
        proto_put_u16le(&sec[12], 8u);
        proto_put_f32le(&sec[16], 0.03f);
        proto_put_f32le(&sec[20], 1.0f);
        proto_put_f32le(&sec[24], 5.0f);
        size_t p = 32u;
        for (uint32_t i = 0; i < d; i++, p += 4u) {
            proto_put_f32le(&sec[p], 256.0f / (0.05f + 0.001f * (float)i));
        }
        for (uint32_t k = 0; k < 2u; k++) {
            proto_put_f32le(&sec[p], k ? 1400.0f : 800.0f);
            p += 4u;
            for (uint32_t i = 0; i < d; i++, p += 4u) {
                proto_put_f32le(&sec[p], g_node.fmsg.log_bands[i % 96u] + (k ? 0.1f : -0.1f));
            }
        }
        for (uint32_t i = 0; i < d; i++, p += 4u) {
            proto_put_f32le(&sec[p], fmt == NN_SPEED_W_I8 ? 1e-2f : 1e-5f);
            proto_put_f32le(&sec[p + 4u * d], 0.1f * (float)i);
        }
        p += 4u * d;
        uint32_t rng = 12345u;
        for (uint32_t i = 0; i < d * d; i++) {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            if (fmt == NN_SPEED_W_I8) {
                sec[p++] = (uint8_t)(int8_t)((int32_t)(rng % 255u) - 127);
            } else {
                proto_put_u16le(&sec[p], (uint16_t)(int16_t)((int32_t)(rng % 60001u) - 30000));
                p += 2u;
            }
        }
        nn_speed_t sp;
        if (nn_speed_parse(&sp, sec, len, (uint16_t)d) != VIGIL_OK) {
            put_str("BENCH error speed parse\n");
            break;
        }
        nn_speed_run_t *run = (nn_speed_run_t *)(void *)g_scratch;
        memset(run, 0, sizeof *run);
        uint32_t worst = 0;
        for (unsigned w = 0; w < 24u; w++) {
            for (unsigned i = 0; i < d; i++) {
                bands_in[i] = g_node.fmsg.log_bands[i % 96u] + 0.01f * (float)((w * 7u + i * 13u) % 17u);
            }
            const uint32_t t0 = tim2_now();
            const nn_speed_step_t st = nn_speed_step(&sp, run, bands_in, 1000.0f);
            const uint32_t dt = tim2_now() - t0;
            worst = dt > worst ? dt : worst;
            if (st.state == NN_SPEED_UNSEEN) {
                put_str("BENCH error speed state\n");
            }
        }
        report(speed_names[c], worst);
        if (c == 0u) {
            report("speed_node_section_bytes_96", (uint32_t)len);
            report("speed_node_state_bytes", (uint32_t)sizeof(nn_speed_run_t));
        } else if (c == 2u) {
            report("speed_node_section_bytes_i8_96", (uint32_t)len);
        } else if (c == 3u) {
            report("speed_node_section_bytes_i8_64", (uint32_t)len);
        }
    }
    report("stack_high_water_bytes", stack_used());
    report("sink_bytes", g_sink_bytes);
    put_str("BENCH end\n");
    for (;;) {
        __asm volatile("wfi");
    }
}
