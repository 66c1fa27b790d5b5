/*
 * C decode benchmark: the node's real receiver (frame_deframer_push_u8: COBS, length, CRC-32,
 * version) over a buffer of at least 8 MB of realistic frames, the mix a streaming node sends:
 * FEATURES (2 axes, 5 fields, anomaly score, 32 bands: 355 payload bytes) and full RAW_BLOCKs
 * (2 axes, 252 frames: 1022 payload bytes) of a noisy signal. With a file argument it decodes that
 * file's bytes instead (bench/link.ts passes the stream its TypeScript decoder runs on, so both
 * decoders see the same bytes; garbage in it is counted, not fatal). Prints one JSON line:
 *   {"decode_mb_s": ..., "frames": ..., "bytes": ..., "errors": ...}
 * Built by `make bench-decode` (build/host/bench-decode, -O2, the host build's flags).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/proto/frame.h"
#include "../src/proto/le.h"
#include "../src/proto/msg.h"

#define TARGET_BYTES (8u * 1024u * 1024u)

#define FILE_MAX (64u * 1024u * 1024u)

static uint8_t g_buf[FILE_MAX];

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads path into g_buf; returns its length, or 0 with a message on failure. */
static size_t read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "bench-decode: cannot open %s\n", path);
        return 0;
    }
    const size_t n = fread(g_buf, 1, sizeof g_buf, f);
    const int more = fgetc(f) != EOF;
    fclose(f);
    if (more) {
        fprintf(stderr, "bench-decode: %s is larger than %u bytes\n", path, FILE_MAX);
        return 0;
    }
    return n;
}

int main(int argc, char **argv)
{
    uint32_t seed = 12345u;
    size_t len = 0, built = 0;
    const int from_file = argc > 1;
    if (from_file && (len = read_file(argv[1])) == 0) {
        return 1;
    }
    uint16_t seq = 0;
    static msg_features_t f;
    static uint8_t payload[FRAME_MAX_PAYLOAD];
    uint32_t window = 0, first = 0;
    while (!from_file && len < TARGET_BYTES) {
        size_t n = 0, w = 0;
        uint8_t type;
        if (built % 3u != 2u) { /* two FEATURES per RAW_BLOCK, about the byte mix of mode 3 with D = 8 */
            f = (msg_features_t){.window_index = window, .t_us = (uint64_t)window * 10667u,
                                 .axis_count = 2, .fields_per_axis = 5, .has_trailer = true,
                                 .anomaly_score = 0.25f, .band_count = 32};
            for (size_t i = 0; i < 10; i++) {
                f.values[i] = (float)(rnd(&seed) % 10000u) / 1000.0f;
            }
            for (size_t i = 0; i < 64; i++) {
                f.log_bands[i] = -(float)(rnd(&seed) % 12000u) / 1000.0f;
            }
            window++;
            if (msg_features_encode(&f, payload, sizeof payload, &n) != VIGIL_OK) {
                return 1;
            }
            type = MSG_TYPE_FEATURES;
        } else {
            static uint8_t samples[2u * 2u * 252u];
            for (size_t i = 0; i < 2u * 252u; i++) {
                proto_put_u16le(&samples[2 * i], (uint16_t)(int16_t)((int32_t)(rnd(&seed) % 16001u) - 8000));
            }
            const msg_raw_block_t r = {.first_frame = first, .axis_count = 2, .decimation = 8,
                                       .scale_g = 4.0f / 32768.0f, .frame_count = 252, .samples = samples};
            first += 252u * 8u;
            if (msg_raw_block_encode(&r, payload, sizeof payload, &n) != VIGIL_OK) {
                return 1;
            }
            type = MSG_TYPE_RAW_BLOCK;
        }
        if (frame_build(type, seq++, payload, n, &g_buf[len], sizeof g_buf - len, &w) != VIGIL_OK) {
            return 1;
        }
        len += w;
        built++;
    }
    static frame_deframer_t d;
    double best = 1e9;
    size_t frames = 0;
    uint32_t check = 0;
    for (int rep = 0; rep < 5; rep++) {
        frame_deframer_init(&d);
        frames = 0;
        const double t0 = now_s();
        for (size_t i = 0; i < len; i++) {
            frame_view_t v;
            if (frame_deframer_push_u8(&d, g_buf[i], &v)) {
                frames++;
                check += v.payload_len + v.type;
            }
        }
        const double dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    const frame_stats_t s = frame_deframer_stats(&d);
    const uint32_t errors = s.bad_cobs + s.bad_crc + s.bad_length + s.bad_version + s.oversize;
    if ((!from_file && (frames != built || errors != 0)) || check == 0) {
        fprintf(stderr, "bench-decode: %zu of %zu frames decoded\n", frames, built);
        return 1;
    }
    printf("{\"decode_mb_s\": %.1f, \"frames\": %zu, \"bytes\": %zu, \"errors\": %u}\n", (double)len / 1e6 / best,
           frames, len, (unsigned)errors);
    return 0;
}
