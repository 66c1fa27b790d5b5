/*
 * The node's default log band edges (docs/features.md, logBandEdges(segmentLen, 32)), generated
 * from the TypeScript reference into band_tables.c (scripts/gen-dsp-vectors.ts), so the firmware
 * never recomputes them with its own libm.
 */
#ifndef DSP_BAND_TABLES_H
#define DSP_BAND_TABLES_H

#include <stdint.h>

#define DSP_DEFAULT_BANDS 32u

/* The 33 edges of the 32 default bands for a segment length of 64 .. 4096, or NULL. */
const uint16_t *dsp_default_band_edges(uint32_t segment_len);

#endif /* DSP_BAND_TABLES_H */
