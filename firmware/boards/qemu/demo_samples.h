/*
 * The QEMU node's sensor in this slice: the first rows of data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv
 * (DE_accel, FE_accel in g, 48 kHz), compiled in. The Makefile generates the definition
 * (build/qemu/demo_samples.c) from the CSV text, so the values are the floats strtof gives the
 * host build for the same rows.
 */
#ifndef QEMU_DEMO_SAMPLES_H
#define QEMU_DEMO_SAMPLES_H

#define DEMO_SAMPLES_ROWS 8192u
#define DEMO_SAMPLES_AXES 2u
#define DEMO_SAMPLES_RATE_HZ 48000u
#define DEMO_SAMPLES_CHANNELS "DE_accel,FE_accel"

extern const float demo_samples[DEMO_SAMPLES_ROWS][DEMO_SAMPLES_AXES];

#endif /* QEMU_DEMO_SAMPLES_H */
