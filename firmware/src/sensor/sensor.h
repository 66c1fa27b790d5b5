/*
 * The node's sensor interface: start it, then drain whatever samples it holds as interleaved
 * frames in g (x0 y0 z0 x1 ...), which is what node_push_samples takes. The IIS3DWB driver
 * implements it (sensor/iis3dwb.c); the QEMU board's samples come over the link instead
 * (SAMPLES_IN) and the host board's from a CSV file.
 */
#ifndef SENSOR_SENSOR_H
#define SENSOR_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef struct sensor sensor_t;
struct sensor {
    vigil_status_t (*start)(sensor_t *s);
    /* Moves up to max_frames frames into frames; returns how many, or a negative vigil_status_t. */
    int32_t (*read)(sensor_t *s, float *frames, size_t max_frames);
    uint32_t sample_rate_hz; /* per axis */
    uint8_t axis_count;
    const char *channels;    /* comma-separated names, as HELLO announces them */
    void *ctx;
};

#endif /* SENSOR_SENSOR_H */
