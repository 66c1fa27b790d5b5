/*
 * Instructions per window of the node's own baseline (src/nn/baseline.c) on the emulated
 * STM32F405, timed with TIM2 under `-icount shift=0,align=off,sleep=off` (chip/stm32f4/tim2.h),
 * for 3 axes x 32 bands: a window while learning, while calibrating, and while detecting. Not yet
 * part of bench/firmware.ts (the learner is not wired into the node); run by hand:
 *   make -C firmware build/qemu/vigil-baseline-bench.elf
 *   qemu-system-arm -M netduinoplus2 -display none -monitor none -serial stdio \
 *     -icount shift=0,align=off,sleep=off -kernel firmware/build/qemu/vigil-baseline-bench.elf
 * Prints "BENCH <name> <value>" lines up to "BENCH end".
 */
#include <stdint.h>
#include <string.h>

#include "bench_io.h"
#include "nn/baseline.h"
#include "tim2.h"

#define DIM 96u

static baseline_t g_b;
static float g_x[DIM];

/* The largest instruction count of one baseline_step over `n` windows. */
static uint32_t run(uint32_t n, float rpm, baseline_state_t *last)
{
    uint32_t worst = 0;
    for (uint32_t w = 0; w < n; w++) {
        for (unsigned i = 0; i < DIM; i++) {
            g_x[i] = -3.0f + 0.01f * (float)i + 0.1f * noise();
        }
        const uint32_t t0 = tim2_now();
        const baseline_step_t s = baseline_step(&g_b, g_x, rpm);
        const uint32_t d = tim2_now() - t0;
        worst = d > worst ? d : worst;
        *last = s.state;
    }
    return worst;
}

int main(void)
{
    usart_init(USART_PORT_1, 16000000u, 115200u);
    tim2_start();
    baseline_config_t cfg;
    baseline_default_config(&cfg, DIM);
    cfg.period_windows = 1100;
    if (baseline_init(&g_b, &cfg) != VIGIL_OK) {
        put_str("BENCH error setup\n");
        return 1;
    }
    baseline_state_t st;
    report("insn_learn_window_max", run(cfg.warmup + cfg.learn_windows, 1000.0f, &st));
    report("insn_calibrate_window_max", run(cfg.calibrate_windows, 1000.0f, &st));
    (void)run(cfg.period_windows - cfg.warmup - cfg.learn_windows - cfg.calibrate_windows, 1000.0f, &st);
    report("learning_over", baseline_learning(&g_b) ? 0u : 1u);
    (void)run(1, 1000.0f, &st); /* the first window at a speed fills the interpolation cache */
    report("insn_detect_window_max", run(200, 1000.0f, &st));
    report("detect_state", (uint32_t)st);
    report("state_bytes", (uint32_t)sizeof(baseline_t));
    put_str("BENCH end\n");
    for (;;) {
    }
}
