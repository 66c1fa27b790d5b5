/*
 * Seeds for the fuzz corpus (make fuzz-short): every golden-vector frame and payload
 * (test/vectors/frames_vectors.h), and the frames the node itself sends (boot, responses, FEATURES,
 * RAW_BLOCK), each as a file `<selector byte><bytes>` for test/fuzz/fuzz_rx.c.
 * Usage: gen_corpus DIR
 */
#include <stdio.h>
#include <string.h>

#include "../../src/node/node.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
#include "frames_vectors.h"
#pragma GCC diagnostic pop

static const char *g_dir;
static unsigned g_count;

static void seed(uint8_t sel, const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    char path[512];
    snprintf(path, sizeof path, "%s/seed-%04u", g_dir, g_count++);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return;
    }
    fwrite(&sel, 1, 1, f);
    if (an) {
        fwrite(a, 1, an, f);
    }
    if (bn) {
        fwrite(b, 1, bn, f);
    }
    fclose(f);
}

static uint8_t g_out[256 * 1024];
static size_t g_out_len;

static vigil_status_t capture(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (g_out_len + len <= sizeof g_out) {
        memcpy(&g_out[g_out_len], data, len);
        g_out_len += len;
    }
    return VIGIL_OK;
}

/* A request frame as the host would send it. */
static void request(uint8_t link, uint8_t type, const uint8_t *p, size_t n)
{
    static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    size_t w = 0;
    if (frame_build(type, 1, p, n, wire, sizeof wire, &w) == VIGIL_OK) {
        seed(link, wire, w, NULL, 0);
        seed((uint8_t)(link | 0x80u), wire, w, NULL, 0); /* the paired node */
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus DIR\n");
        return 2;
    }
    g_dir = argv[1];
    /* decoder selectors of fuzz_rx.c, by message type */
    static const uint8_t dec_of[0x15] = {[0x02] = 4, [0x10] = 5, [0x11] = 6, [0x13] = 7, [0x04] = 8,
                                         [0x05] = 9, [0x03] = 10, [0x09] = 11, [0x0A] = 11, [0x0B] = 12,
                                         [0x12] = 13, [0x0C] = 14, [0x0D] = 15, [0x14] = 16, [0x0E] = 17};
    for (size_t i = 0; i < VEC_FRAMES_LINK_COUNT; i++) {
        const vec_frame_t *v = &VEC_FRAMES_LINK[i];
        seed(0, v->wire, v->wire_len, NULL, 0);
        seed(1, v->wire, v->wire_len, NULL, 0);
        if (v->type < sizeof dec_of && dec_of[v->type]) {
            seed(dec_of[v->type], v->payload, v->payload_len, NULL, 0);
        }
    }
    for (size_t i = 0; i < VEC_FRAMES_COUNT; i++) {
        seed(0, VEC_FRAMES[i].wire, VEC_FRAMES[i].wire_len, NULL, 0);
    }
    for (size_t i = 0; i < VEC_PAYLOAD_CHECKS_COUNT; i++) {
        const vec_payload_check_t *v = &VEC_PAYLOAD_CHECKS[i];
        if (v->type < sizeof dec_of && dec_of[v->type]) {
            seed(dec_of[v->type], v->payload, v->payload_len, NULL, 0);
        }
        request(0, v->type, v->payload, v->payload_len);
    }
    for (size_t i = 0; i < VEC_SECURES_COUNT; i++) {
        request(1, MSG_TYPE_SECURE, VEC_SECURES[i].payload, VEC_SECURES[i].payload_len);
    }
    for (size_t i = 0; i < VEC_SAMPLES_IN_COUNT; i++) {
        request(2, MSG_TYPE_SAMPLES_IN, VEC_SAMPLES_IN[i].payload, VEC_SAMPLES_IN[i].payload_len);
    }
    /* What the node sends: boot, a few responses, FEATURES and a RAW_BLOCK. */
    static node_t node;
    node_config_t cfg = {.axis_count = 2, .window_len = 1024, .hop = 512, .sample_rate_hz = 48000,
                         .name = "seed", .channels = "a,b", .send_bands = true, .samples_in = true,
                         .link = {[NODE_LINK_WIRED] = {capture, NULL}}};
    if (node_init(&node, &cfg) != VIGIL_OK) {
        return 1;
    }
    (void)node_send_hello(&node);
    request(0, MSG_TYPE_STREAM, (const uint8_t[]){3, 1}, 2);
    static const uint8_t stream3[2] = {3, 1};
    static uint8_t wire[FRAME_WIRE_MAX(FRAME_MAX_PAYLOAD)];
    size_t w = 0;
    if (frame_build(MSG_TYPE_STREAM, 1, stream3, 2, wire, sizeof wire, &w) == VIGIL_OK) {
        node_rx_bytes(&node, NODE_LINK_WIRED, wire, w);
    }
    static float samples[2 * 1100];
    for (size_t i = 0; i < 2 * 1100; i++) {
        samples[i] = (float)((int)(i * 37u % 200u) - 100) / 50.0f;
    }
    if (node_push_samples(&node, samples, 1100) != VIGIL_OK) {
        return 1;
    }
    seed(0, g_out, g_out_len < 8192 ? g_out_len : 8192, NULL, 0);
    /* each produced frame alone, to the decoders too */
    static frame_deframer_t d;
    frame_deframer_init(&d);
    size_t start = 0;
    for (size_t i = 0; i < g_out_len; i++) {
        frame_view_t v;
        const bool got = frame_deframer_push_u8(&d, g_out[i], &v);
        if (g_out[i] == 0) {
            if (got) {
                seed(1, &g_out[start], i + 1 - start, NULL, 0);
                if (v.type < sizeof dec_of && dec_of[v.type]) {
                    seed(dec_of[v.type], v.payload, v.payload_len, NULL, 0);
                }
            }
            start = i + 1;
        }
    }
    printf("gen_corpus: %u seeds in %s\n", g_count, g_dir);
    return 0;
}
