#include "windower.h"

#if defined(__ARM_ARCH_7EM__) && defined(__ARM_FP)
/* dsp_m4.S: the same copies, several frames per instruction pair. */
#define WINDOWER_M4 1
void dsp_deint3_m4(const float *src, float *a, float *b, float *c, size_t triples);
void dsp_deint2_m4(const float *src, float *a, float *b, size_t quads);
#else
#define WINDOWER_M4 0
#endif

vigil_status_t dsp_windower_init(dsp_windower_t *w, float *storage, size_t capacity, size_t axes,
                                 size_t window_len, size_t hop)
{
    if (w == NULL || storage == NULL || axes < 1 || axes > DSP_AXES_MAX || window_len < 2 ||
        (window_len & (window_len - 1u)) != 0 || hop < 1 || hop > window_len ||
        capacity / window_len < axes) {
        return VIGIL_ERR_ARG;
    }
    for (size_t a = 0; a < DSP_AXES_MAX; a++) {
        w->ring[a] = a < axes ? storage + a * window_len : NULL;
    }
    w->axes = axes;
    w->window_len = window_len;
    w->hop = hop;
    dsp_windower_reset(w);
    return VIGIL_OK;
}

void dsp_windower_reset(dsp_windower_t *w)
{
    w->pos = 0;
    w->until_window = w->window_len;
}

size_t dsp_windower_push(dsp_windower_t *w, const float *frames, size_t n_frames, bool *complete)
{
    size_t taken = 0;
    *complete = false;
    while (taken < n_frames) {
        /* A run that neither wraps the ring nor passes the end of the window. */
        size_t run = n_frames - taken;
        if (run > w->window_len - w->pos) {
            run = w->window_len - w->pos;
        }
        if (run > w->until_window) {
            run = w->until_window;
        }
        const float *src = frames + taken * w->axes;
        const size_t pos = w->pos;
        /* De-interleave; one loop per axis count keeps the stride a constant. */
        if (w->axes == 1) {
            float *r0 = w->ring[0] + pos;
            for (size_t i = 0; i < run; i++) {
                r0[i] = src[i];
            }
        } else if (w->axes == 2) {
            float *r0 = w->ring[0] + pos, *r1 = w->ring[1] + pos;
            size_t i = 0;
#if WINDOWER_M4
            dsp_deint2_m4(src, r0, r1, run / 4u);
            i = run & ~(size_t)3u;
            src += 2u * i;
#endif
            for (; i < run; i++, src += 2) {
                r0[i] = src[0];
                r1[i] = src[1];
            }
        } else {
            float *r0 = w->ring[0] + pos, *r1 = w->ring[1] + pos, *r2 = w->ring[2] + pos;
            size_t i = 0;
#if WINDOWER_M4
            dsp_deint3_m4(src, r0, r1, r2, run / 3u);
            i = run / 3u * 3u;
            src += 3u * i;
#endif
            for (; i < run; i++, src += 3) {
                r0[i] = src[0];
                r1[i] = src[1];
                r2[i] = src[2];
            }
        }
        taken += run;
        w->pos = (pos + run) & (w->window_len - 1u);
        w->until_window -= run;
        if (w->until_window == 0) {
            w->until_window = w->hop;
            *complete = true;
            break;
        }
    }
    return taken;
}

void dsp_windower_view(const dsp_windower_t *w, size_t axis, const float **p0, size_t *n0,
                       const float **p1)
{
    /* The oldest sample sits at pos (the ring holds exactly one window). */
    *p0 = w->ring[axis] + w->pos;
    *n0 = w->window_len - w->pos;
    *p1 = w->ring[axis];
}
