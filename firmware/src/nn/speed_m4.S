/*
 * The speed-aware scorer's two per-window passes for the Cortex-M4F (DSP extension, FPv4-SP), used
 * by nn/speed.c nn_speed_step on ARM builds; nn_speed_resid_ref and nn_speed_score_i8_ref in
 * speed.c are their definitions (and both are held to each other bit for bit on the target by
 * boards/qemu/selftest_main.c, speed_resid_m4_exact and speed_score_m4_exact, and to the golden
 * vectors through nn_speed_step). AAPCS with hard float: r4-r11 and s16-s31 preserved.
 *
 * void nn_speed_resid_m4(const nn_speed_resid_t *a)
 *   a = {x, y, q, mlo, mhi, in_mul, dim (a multiple of 4, > 0), restart, smoothing, t}: per feature
 *   y = restart ? x : y + a (x - y); mean = lo + t (hi - lo); q = nn_speed_quantise((y - mean) in_mul),
 *   q stored in SXTB16 order (q0 q2 q1 q3 per group of 4, speed.c qslot). The binary32 operations
 *   are the C's in its order: VMLA is FPAdd(d, FPMul(n, m)), two roundings, never fused.
 *   The quantiser without branches: u = trunc(2 v) (VCVT to fixed point with one fraction bit,
 *   exact, saturating, NaN to 0); round half away from zero is floor(u / 2) for u < 0 and
 *   floor((u + 1) / 2) for u >= 0, that is (u + [u >= 0]) >> 1 (u first clamped to 17 bits so
 *   that the + 1 cannot overflow); SSAT 16 clamps the top at 32767 and QSUB16 + QADD16 of 1 lift
 *   -32768 to -32767 (the C clamps at +-32767) in both halves of a packed pair.
 *   Per 4 features about 65 instructions.
 *
 * float nn_speed_score_i8_m4(const uint8_t *w, const int16_t *q, uint32_t dim, const uint8_t *bl, float f)
 *   sum over the rows k of the block (int8 W, dim a multiple of 8) of z_k^2 / (1 + f lambda_k),
 *   z_k = (W_k . q) row_scale_k, rows in pairs: one load of 8 q values serves both rows (SXTB16 +
 *   SMLAD, 16 products per 19 instructions, the loop unrolled twice), the terms summed in row order
 *   exactly as score_term in speed.c.
 */
    .syntax unified
    .thumb
    .text

/* ---- the residual ---- */

    @ s12-s15 = y of 4 features: the mean, the residual, its quantised values to [r3], r3 += 8.
    @ r4 = mlo, r5 = mhi, r6 = in_mul walk; s1 = t; lr = 0x00010001. Scratch: r8-r12, s16-s27.
    .macro QROUND r
    ssat    \r, #17, \r                  @ u in [-65536, 65535]
    mvn     r12, \r
    add     \r, \r, r12, lsr #31         @ u + [u >= 0]
    ssat    \r, #16, \r, asr #1          @ half away from zero, <= 32767
    .endm

    .macro RESID
    vldmia  r4!, {s16-s19}               @ lo
    vldmia  r5!, {s20-s23}               @ hi
    vsub.f32 s20, s20, s16               @ hi - lo
    vsub.f32 s21, s21, s17
    vsub.f32 s22, s22, s18
    vsub.f32 s23, s23, s19
    vmla.f32 s16, s1, s20                @ mean = lo + t (hi - lo)
    vmla.f32 s17, s1, s21
    vmla.f32 s18, s1, s22
    vmla.f32 s19, s1, s23
    vldmia  r6!, {s24-s27}               @ in_mul
    vsub.f32 s12, s12, s16               @ y - mean
    vsub.f32 s13, s13, s17
    vsub.f32 s14, s14, s18
    vsub.f32 s15, s15, s19
    vmul.f32 s12, s12, s24               @ (y - mean) in_mul
    vmul.f32 s13, s13, s25
    vmul.f32 s14, s14, s26
    vmul.f32 s15, s15, s27
    vcvt.s32.f32 s12, s12, #1            @ trunc(2 v)
    vcvt.s32.f32 s13, s13, #1
    vcvt.s32.f32 s14, s14, #1
    vcvt.s32.f32 s15, s15, #1
    vmov    r8, r9, s12, s13
    vmov    r10, r11, s14, s15
    QROUND  r8
    QROUND  r9
    QROUND  r10
    QROUND  r11
    pkhbt   r8, r8, r10, lsl #16         @ (q0, q2)
    pkhbt   r9, r9, r11, lsl #16         @ (q1, q3)
    qsub16  r8, r8, lr                   @ max(q, -32767), both halves
    qadd16  r8, r8, lr
    qsub16  r9, r9, lr
    qadd16  r9, r9, lr
    stmia   r3!, {r8, r9}
    .endm

    .global nn_speed_resid_m4
    .type nn_speed_resid_m4, %function
    .p2align 2
nn_speed_resid_m4:
    push    {r4-r11, lr}
    vpush   {s16-s27}
    vldr    s0, [r0, #32]                @ smoothing
    vldr    s1, [r0, #36]                @ t
    ldm     r0, {r1-r8}                  @ x, y, q, mlo, mhi, in_mul, dim, restart
    lsrs    r7, r7, #2                   @ groups of 4
    beq     9f
    mov     lr, #0x00010001
    cmp     r8, #0
    bne     5f
1:
    vldmia  r1!, {s8-s11}                @ x
    vldmia  r2, {s12-s15}                @ y
    vsub.f32 s8, s8, s12                 @ x - y
    vsub.f32 s9, s9, s13
    vsub.f32 s10, s10, s14
    vsub.f32 s11, s11, s15
    vmla.f32 s12, s0, s8                 @ y + a (x - y)
    vmla.f32 s13, s0, s9
    vmla.f32 s14, s0, s10
    vmla.f32 s15, s0, s11
    vstmia  r2!, {s12-s15}
    RESID
    subs    r7, r7, #1
    bne     1b
    b       9f
5:                                       @ the EMA restarts: y = x
    vldmia  r1!, {s12-s15}
    vstmia  r2!, {s12-s15}
    RESID
    subs    r7, r7, #1
    bne     5b
9:
    vpop    {s16-s27}
    pop     {r4-r11, pc}
    .size nn_speed_resid_m4, .-nn_speed_resid_m4

/* ---- the score ---- */

    @ 8 products of one row: its 8 int8 weights from [\src] (advanced), against q in r1-r4, added
    @ into \acc. Scratch: r5, r8, r12.
    .macro ROW8 src, acc
    ldmia   \src!, {r5, r8}
    sxtb16  r12, r5
    sxtb16  r5, r5, ror #8
    smlad   \acc, r12, r1, \acc
    smlad   \acc, r5, r2, \acc
    sxtb16  r12, r8
    sxtb16  r8, r8, ror #8
    smlad   \acc, r12, r3, \acc
    smlad   \acc, r8, r4, \acc
    .endm

    @ 8 products of each row of the pair: q from [r7] (r1-r4), row a from [r0] into r10, row b from
    @ [r6] into r11.
    .macro BLOCK
    ldmia   r7!, {r1-r4}
    ROW8    r0, r10
    ROW8    r6, r11
    .endm

    .global nn_speed_score_i8_m4
    .type nn_speed_score_i8_m4, %function
    .p2align 2
nn_speed_score_i8_m4:
    push    {r4-r11, lr}
    add     r4, r3, r2, lsl #2           @ lambda[D]
    vmov    s12, s13, r3, r4             @ the row scale and lambda walks, kept in s12, s13
    vmov    s14, s15, r1, r2             @ q, D
    mul     r5, r2, r2
    add     lr, r0, r5                   @ the end of W
    vmov.f32 s2, s0                      @ f
    vmov.f32 s1, #1.0
    movs    r5, #0
    vmov    s0, r5                       @ sum = +0
1:
    vmov    r7, r9, s14, s15             @ q, D
    add     r6, r0, r9                   @ row b = row a + D
    movs    r10, #0
    movs    r11, #0
    lsrs    r9, r9, #4                   @ pairs of blocks; C = an odd block (D mod 16 = 8)
    bcc     3f
    BLOCK
    cmp     r9, #0
    beq     4f
3:
    BLOCK
    BLOCK
    subs    r9, r9, #1
    bne     3b
4:
    mov     r0, r6                       @ the end of row b is the next pair's row a
    vmov    s4, s5, r10, r11
    vcvt.f32.s32 s4, s4
    vcvt.f32.s32 s5, s5
    vmov    r7, r8, s12, s13
    vldmia  r7!, {s6-s7}                 @ row scales
    vldmia  r8!, {s8-s9}                 @ lambdas
    vmov    s12, s13, r7, r8
    vmul.f32 s4, s4, s6                  @ z = acc row_scale
    vmul.f32 s5, s5, s7
    vmov.f32 s10, s1
    vmov.f32 s11, s1
    vmla.f32 s10, s2, s8                 @ 1 + f lambda
    vmla.f32 s11, s2, s9
    vdiv.f32 s10, s1, s10                @ g
    vdiv.f32 s11, s1, s11
    vmul.f32 s4, s4, s4                  @ z z
    vmul.f32 s5, s5, s5
    vmla.f32 s0, s4, s10                 @ sum + (z z) g, row a then row b
    vmla.f32 s0, s5, s11
    cmp     r0, lr
    bne     1b
    pop     {r4-r11, pc}
    .size nn_speed_score_i8_m4, .-nn_speed_score_i8_m4
