/*
 * The model-size benchmark image: instructions per window of several int8 autoencoders, for the
 * cost model of the size search (models/size/cost.ts, docs/size.md). bench/modellab.ts writes the
 * models' blobs into a header (NNSIZE_MODELS_H: NNSIZE_COUNT blobs in k_nnsize[]), builds this image
 * (make -C firmware nnsize NNSIZE_MODELS_H=...) and runs it in qemu-system-arm under icount, as
 * bench/firmware.ts runs the benchmark image. Per model i:
 *   BENCH nnsize_<i>_insn      nn_net_run on the blob's self-test input: quantise, the layers, the error
 *   BENCH nnsize_<i>_selftest  1 when the C reproduces the TypeScript twin's self-test (q_in, q_out, sumsq)
 * The run is timed exactly as bench_main.c times insn_inference (the node's own kernels, -O2, the
 * Cortex-M4 SIMD path).
 */
#include <stdint.h>
#include <string.h>

#include "nn/infer.h"
#include "nn/model.h"
#include "bench_io.h"
#include "tim2.h"
#include "usart.h"

#ifndef NNSIZE_MODELS_H
#error "build with NNSIZE_MODELS_H=<header of the models> (bench/modellab.ts writes it)"
#endif
#include NNSIZE_MODELS_H

#define REPEATS 3u

static nn_model_t g_model;
static nn_net_t g_net;
static nn_channel_t g_channels[512];
static _Alignas(8) uint8_t g_scratch[2048];
static float g_x[NN_INPUT_MAX];

static void put_name(unsigned i, const char *suffix)
{
    char name[32] = "nnsize_";
    size_t n = strlen(name);
    if (i >= 10u) {
        name[n++] = (char)('0' + i / 10u);
    }
    name[n++] = (char)('0' + i % 10u);
    name[n] = '\0';
    strcat(name, suffix);
    put_str("BENCH ");
    put_str(name);
    put_str(" ");
}

int main(void)
{
    usart_init(USART_PORT_1, 16000000u, 115200u);
    tim2_start();
    for (unsigned i = 0; i < NNSIZE_COUNT; i++) {
        if (nn_model_parse(&g_model, k_nnsize[i].blob, k_nnsize[i].len, NULL) != VIGIL_OK ||
            nn_net_channels(&g_model) > sizeof g_channels / sizeof g_channels[0] ||
            nn_net_scratch_bytes(&g_model) > sizeof g_scratch ||
            nn_net_prepare(&g_net, &g_model, g_channels, sizeof g_channels / sizeof g_channels[0]) != VIGIL_OK) {
            put_str("BENCH error model\n");
            return 1;
        }
        const int ok = nn_net_selftest(&g_net, g_scratch) == VIGIL_OK;
        for (size_t k = 0; k < g_model.input_dim; k++) {
            memcpy(&g_x[k], &g_model.selftest_input[4u * k], sizeof(float));
        }
        uint32_t lo = UINT32_MAX, hi = 0;
        for (unsigned r = 0; r < REPEATS; r++) {
            const uint32_t t0 = tim2_now();
            (void)nn_net_run(&g_net, g_x, g_scratch, NULL, NULL);
            const uint32_t d = tim2_now() - t0;
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        put_name(i, "_insn");
        put_u32(lo);
        put_str("\n");
        put_name(i, "_selftest");
        put_u32((uint32_t)ok);
        put_str("\n");
        if (hi != lo) {
            put_name(i, "_spread");
            put_u32(hi - lo);
            put_str("\n");
        }
    }
    put_str("BENCH end\n");
    return 0;
}
