/*
 * The node's own model code on the host, for the LiteRT comparison (test/helpers/nnHost.ts):
 * parses a model blob with nn_model_parse (firmware/src/nn/model.c), prepares it and runs
 * nn_net_run on feature vectors, exactly as the node does.
 *
 *   nn_run MODEL.bin < features > results
 * stdin: windows of D little-endian float32 raw features (D = the model's input width);
 * stdout: per window q_in (D bytes), q_out (D bytes), sumsq (u32 little-endian).
 * Exit status 2 with a message when the model is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/infer.h"
#include "nn/model.h"

static _Alignas(8) uint8_t g_blob[1u << 20];
static nn_channel_t g_channels[NN_LAYERS_MAX * NN_INPUT_MAX];
static _Alignas(8) uint8_t g_scratch[16384];
static float g_x[NN_INPUT_MAX];

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: nn_run MODEL.bin < features > results\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "nn_run: cannot open %s\n", argv[1]);
        return 2;
    }
    const size_t len = fread(g_blob, 1, sizeof g_blob, f);
    fclose(f);
    nn_model_t m;
    nn_net_t net;
    const vigil_status_t st = nn_model_parse(&m, g_blob, len, NULL);
    if (st != VIGIL_OK || nn_net_prepare(&net, &m, g_channels, sizeof g_channels / sizeof g_channels[0]) != VIGIL_OK ||
        nn_net_scratch_bytes(&m) > sizeof g_scratch) {
        fprintf(stderr, "nn_run: the model is refused (status %d)\n", (int)st);
        return 2;
    }
    while (fread(g_x, sizeof(float), m.input_dim, stdin) == m.input_dim) {
        const int8_t *qi;
        const int8_t *qo;
        const uint32_t sumsq = nn_net_run(&net, g_x, g_scratch, &qi, &qo);
        fwrite(qi, 1, m.input_dim, stdout);
        fwrite(qo, 1, m.input_dim, stdout);
        const uint8_t s[4] = {(uint8_t)sumsq, (uint8_t)(sumsq >> 8), (uint8_t)(sumsq >> 16), (uint8_t)(sumsq >> 24)};
        fwrite(s, 1, 4, stdout);
    }
    return 0;
}
