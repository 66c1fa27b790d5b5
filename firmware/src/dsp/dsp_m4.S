/*
 * Hand-written Cortex-M4F (FPv4-SP) kernels for the feature pass, used by features.c and fft.c on
 * ARM builds; the C next to each call is the definition they implement, kept for the host build.
 * AAPCS with hard float: core arguments in r0-r3 then the stack, float arguments in s0...;
 * r4-r11 and s16-s31 preserved.
 */
    .syntax unified
    .thumb
    .fpu fpv4-sp-d16
    .text

@ float dsp_sum8_m4(const float *x, size_t blocks, float acc)
@ acc + x[0] + x[1] + ... over 8 * blocks floats, one addition at a time in sample order (the RMS
@ mean must be the same float32 sum as models/features/rms.ts): one VLDM per 8 samples.
    .global dsp_sum8_m4
    .type dsp_sum8_m4, %function
    .p2align 2
dsp_sum8_m4:
    cmp     r1, #0
    beq     9f
1:
    vldmia  r0!, {s8-s15}
    vadd.f32 s0, s0, s8
    vadd.f32 s0, s0, s9
    vadd.f32 s0, s0, s10
    vadd.f32 s0, s0, s11
    vadd.f32 s0, s0, s12
    vadd.f32 s0, s0, s13
    vadd.f32 s0, s0, s14
    vadd.f32 s0, s0, s15
    subs    r1, r1, #1
    bne     1b
9:
    bx      lr
    .size dsp_sum8_m4, .-dsp_sum8_m4

/*
 * void dsp_scatter8_fwd_m4(const float *x, const float *h, const uint16_t *perm, float *buf,
 *                          float mean, size_t groups, float *moments, size_t stride_bytes)
 * void dsp_scatter8_rev_m4(... same, h points one past the first weight, walking down)
 * Groups of 8 sample pairs (16 samples), each pair the fused pass of features.c pair_step:
 * d = x - mean; sd += d; e = d^2; m2 += e (in sample order); m4 = fma(e, e, m4);
 * max2 = max(max2, e); the windowed pair (d0 h0, d1 h1) to its digit-reversed place.
 * moments = {sd, m2, m4, max2}, read and written back. The 8 pairs of a group land
 * stride_bytes apart (the last FFT stage is radix 8: perm[c + 1] = perm[c] + M / 8), so one
 * perm entry per group: perm points at perm[c] for the group's first c, and steps by 8 entries.
 * A new maximum is rare after the first samples: compare and branch out of line.
 * rev: h0 = h[-1], h1 = h[-2] (the second half of the Hann window, read backwards).
 * The samples and the weights are loaded 8 at a time (one VLDM each, into s16-s31, saved once per
 * call): 4 loads per group where one per pair took 16. The arithmetic is unchanged.
 */
    @ One pair: x0, x1 in \x0, \x1 (consecutive registers, overwritten by d0, d1), weights \h0, \h1.
    .macro PAIR x0, x1, h0, h1, n
    vsub.f32 \x0, \x0, s0              @ d0
    vsub.f32 \x1, \x1, s0              @ d1
    vmul.f32 s12, \x0, \x0             @ e0
    vmul.f32 s13, \x1, \x1             @ e1
    vadd.f32 s4, s4, \x0
    vadd.f32 s4, s4, \x1
    vadd.f32 s5, s5, s12             @ m2 += e0
    vfma.f32 s6, s12, s12
    vadd.f32 s5, s5, s13             @ m2 += e1
    vfma.f32 s6, s13, s13
    vcmpe.f32 s12, s7
    vmrs    APSR_nzcv, fpscr
    bgt     30\n\()f
20\n\():
    vcmpe.f32 s13, s7
    vmrs    APSR_nzcv, fpscr
    bgt     40\n\()f
50\n\():
    vmul.f32 \x0, \x0, \h0
    vmul.f32 \x1, \x1, \h1
    vstmia  r6, {\x0-\x1}
    add     r6, r6, r7
    .pushsection .text.\@, "ax"
30\n\():
    vmov.f32 s7, s12
    b       20\n\()b
40\n\():
    vmov.f32 s7, s13
    b       50\n\()b
    .popsection
    .endm

    @ Four pairs: 8 samples in s16-s23 and their 8 weights in s24-s31, each loaded by one VLDM (fwd:
    @ ascending, pair k's weights s24+2k, s25+2k; rev: VLDMDB puts h[-1] in s31, so pair k's are
    @ s31-2k, s30-2k).
    .macro QUAD ldh, n
    vldmia  r0!, {s16-s23}           @ x0 .. x7
    \ldh    r1!, {s24-s31}           @ their 8 window weights
    .ifc \ldh, vldmia
    PAIR    s16, s17, s24, s25, \n\()0
    PAIR    s18, s19, s26, s27, \n\()1
    PAIR    s20, s21, s28, s29, \n\()2
    PAIR    s22, s23, s30, s31, \n\()3
    .else
    PAIR    s16, s17, s31, s30, \n\()0
    PAIR    s18, s19, s29, s28, \n\()1
    PAIR    s20, s21, s27, s26, \n\()2
    PAIR    s22, s23, s25, s24, \n\()3
    .endif
    .endm

    .macro SCATTER8 name, ldh
    .global \name
    .type \name, %function
    .p2align 2
\name:
    push    {r4-r7, lr}
    ldr     r4, [sp, #20]            @ groups
    ldr     r5, [sp, #24]            @ moments
    ldr     r7, [sp, #28]            @ stride between the 8 pairs' places
    cmp     r4, #0
    beq     9f
    vpush   {s16-s31}
    vldmia  r5, {s4-s7}              @ sd, m2, m4, max2
1:
    ldrh    r6, [r2], #16            @ perm of the group's first pair
    add     r6, r3, r6, lsl #3
    QUAD    \ldh, 1
    QUAD    \ldh, 2
    subs    r4, r4, #1
    bne     1b
    vstmia  r5, {s4-s7}
    vpop    {s16-s31}
9:
    pop     {r4-r7, pc}
    .size \name, .-\name
    .endm

    SCATTER8 dsp_scatter8_fwd_m4, vldmia
    SCATTER8 dsp_scatter8_rev_m4, vldmdb

/*
 * void dsp_split_power_m4(const float *lo, const float *hi_end, const float *w, float *plo,
 *                         float *phi_end, size_t count)
 * count pairs (k, M - k) of the real split of fft.c (SPLIT_PAIR): lo walks Z[k] up, hi_end walks
 * down from one past Z[M - k], w walks W^k up; power 4|Y_k|^2 to plo (up) and 4|Y_(M-k)|^2 to
 * phi_end (down, one past).
 */
    .global dsp_split_power_m4
    .type dsp_split_power_m4, %function
    .p2align 2
dsp_split_power_m4:
    push    {r4-r5, lr}
    ldr     r4, [sp, #12]            @ phi_end
    ldr     r5, [sp, #16]            @ count
    cmp     r5, #0
    beq     9f
1:
    vldmia  r0!, {s0-s1}             @ A = Z[k] = (ar, ai)
    vldmdb  r1!, {s2-s3}             @ Z[M-k] = (br, -bi)
    vldmia  r2!, {s4-s5}             @ W^k = (wr, wi)
    vadd.f32 s6, s0, s2              @ er = ar + br
    vsub.f32 s7, s1, s3              @ ei = ai + bi
    vadd.f32 s8, s1, s3              @ or = ai - bi
    vsub.f32 s9, s2, s0              @ oi = br - ar
    vmul.f32 s10, s8, s4             @ tr = or wr - oi wi
    vfms.f32 s10, s9, s5
    vmul.f32 s11, s8, s5             @ ti = or wi + oi wr
    vfma.f32 s11, s9, s4
    vadd.f32 s12, s6, s10            @ 2 Y[k]
    vadd.f32 s13, s7, s11
    vsub.f32 s14, s6, s10            @ 2 conj(Y[M-k])
    vsub.f32 s15, s7, s11
    vmul.f32 s12, s12, s12
    vfma.f32 s12, s13, s13
    vmul.f32 s14, s14, s14
    vfma.f32 s14, s15, s15
    vstmia  r3!, {s12}
    vstmdb  r4!, {s14}
    subs    r5, r5, #1
    bne     1b
9:
    pop     {r4-r5, pc}
    .size dsp_split_power_m4, .-dsp_split_power_m4

/*
 * Sample intake (dsp/windower.c): interleaved frames to one ring per axis. The floats move as
 * words through core registers: LDM takes several frames, and STM with a register list picks one
 * axis out of them (a list stores in ascending register order to ascending addresses).
 *   void dsp_deint3_m4(const float *src, float *a, float *b, float *c, size_t triples)  3 frames/step
 *   void dsp_deint2_m4(const float *src, float *a, float *b, size_t quads)              4 frames/step
 */
    .global dsp_deint3_m4
    .type dsp_deint3_m4, %function
    .p2align 2
dsp_deint3_m4:
    push    {r4-r11, lr}
    ldr     lr, [sp, #36]            @ triples
    cmp     lr, #0
    beq     9f
1:
    ldmia   r0!, {r4-r12}            @ x0 y0 z0 x1 y1 z1 x2 y2 z2
    stmia   r1!, {r4, r7, r10}
    stmia   r2!, {r5, r8, r11}
    stmia   r3!, {r6, r9, r12}
    subs    lr, lr, #1
    bne     1b
9:
    pop     {r4-r11, pc}
    .size dsp_deint3_m4, .-dsp_deint3_m4

    .global dsp_deint2_m4
    .type dsp_deint2_m4, %function
    .p2align 2
dsp_deint2_m4:
    push    {r4-r11, lr}
    cmp     r3, #0
    beq     9f
1:
    ldmia   r0!, {r4-r11}            @ x0 y0 x1 y1 x2 y2 x3 y3
    stmia   r1!, {r4, r6, r8, r10}
    stmia   r2!, {r5, r7, r9, r11}
    subs    r3, r3, #1
    bne     1b
9:
    pop     {r4-r11, pc}
    .size dsp_deint2_m4, .-dsp_deint2_m4

/*
 * void dsp_velocity_blocks8_m4(const float *x, size_t blocks, size_t groups, const float *coef,
 *                              float *st)
 * The velocity meter's whole blocks (velocity.c, feed and block_step): blocks blocks of 8 * groups
 * samples; per block s = x0 + x1 + ... (in sample order), then
 *   y = c (s - s1) + na1 y1 + na2 y2;  s1 = s;  y2 = y1;  y1 = y;  acc += y * y
 * coef = {c, na1, na2}; st = {s1, y1, y2, acc}, read and written back. VMLA rounds the product
 * before it adds (it is not fused), so every result equals the C's separate multiply and add.
 */
    .global dsp_velocity_blocks8_m4
    .type dsp_velocity_blocks8_m4, %function
    .p2align 2
dsp_velocity_blocks8_m4:
    ldr     r12, [sp]                @ st
    cmp     r1, #0
    beq     9f
    vldmia  r3, {s0-s2}              @ c, na1, na2
    vldmia  r12, {s3-s6}             @ s1, y1, y2, acc
1:
    vldmia  r0!, {s8-s15}
    vadd.f32 s7, s8, s9
    vadd.f32 s7, s7, s10
    vadd.f32 s7, s7, s11
    vadd.f32 s7, s7, s12
    vadd.f32 s7, s7, s13
    vadd.f32 s7, s7, s14
    vadd.f32 s7, s7, s15
    subs    r3, r2, #1
    beq     3f
2:
    vldmia  r0!, {s8-s15}
    vadd.f32 s7, s7, s8
    vadd.f32 s7, s7, s9
    vadd.f32 s7, s7, s10
    vadd.f32 s7, s7, s11
    vadd.f32 s7, s7, s12
    vadd.f32 s7, s7, s13
    vadd.f32 s7, s7, s14
    vadd.f32 s7, s7, s15
    subs    r3, r3, #1
    bne     2b
3:
    vsub.f32 s8, s7, s3              @ s - s1
    vmov.f32 s3, s7
    vmul.f32 s8, s8, s0              @ c (s - s1)
    vmla.f32 s8, s1, s4              @ + na1 y1
    vmla.f32 s8, s2, s5              @ + na2 y2
    vmov.f32 s5, s4
    vmov.f32 s4, s8
    vmla.f32 s6, s8, s8              @ acc += y^2
    subs    r1, r1, #1
    bne     1b
    vstmia  r12, {s3-s6}
9:
    bx      lr
    .size dsp_velocity_blocks8_m4, .-dsp_velocity_blocks8_m4
