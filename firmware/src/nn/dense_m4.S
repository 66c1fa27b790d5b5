/*
 * The int8 dense kernel's inner part for the Cortex-M4 (DSP extension), used by nn/dense.c
 * nn_dense_s8 on ARM builds; nn_dense_s8_ref is its definition (and both are held to the golden
 * vectors, on the target by boards/qemu/selftest_main.c).
 *
 * void nn_dense_pairs_m4(const int16_t *xs, const int8_t *w, const nn_channel_t *ch, int8_t *y,
 *                        const nn_pairs_args_t *a)         (no activation)
 * void nn_dense_pairs_relu_m4(...)                          (ReLU: act_min = max(-128, z_y))
 *   a = {pairs, in (multiple of 4, > 0), z_y}; for each pair of output rows o, o + 1:
 *   acc = bias + w . x with SMLAD (the inputs were widened and reordered: (x0 x2) (x1 x3)), then
 *   requantize exactly as requant_dsp in dense.c, + z_y, SSAT 8, ReLU floor, store.
 *   Per 4 inputs and 2 rows: LDRD + 2 LDR + 4 SXTB16 + 4 SMLAD + 2 for the loop.
 *
 * void nn_dense_sparse_m4(const int16_t *xs, const int8_t *blocks, const nn_channel_t *ch, int8_t *y,
 *                         const nn_sparse_args_t *a)   (block-sparse, docs/model-format.md §2.4.1)
 *   a = {pairs, words, z_y, mask, relu (0xFFFFFFFF or 0)}; per row pair, the mask words (bit 31
 *   first) name the stored 2x4 blocks and only those are multiplied: per stored block CLZ finds how
 *   many blocks to skip, the input pointer jumps over them, and LDRD + LDRD + 4 SXTB16 + 4 SMLAD do
 *   the block (15 instructions, against 13 per block for every block in the dense loop). The same
 *   integer sums and the same requantization as the dense kernel.
 */
    .syntax unified
    .thumb
    .text

/*
 * Requantize acc (register \acc) with the channel words at [r2 + \off] = {bias, multiplier,
 * shift}; lr = z_y; the result goes to [r3], r3 += 1. Scratch: r8-r11. Exactly
 * MultiplyByQuantizedMultiplier + z_y + clamp (nn/fixedpoint.h), in ~17 instructions:
 *   t = acc * m + 2^30 (64-bit: SMLAL with the nudge preset). x = t >> 31 is SRDHM(acc, m): gemmlowp
 *       adds 2^30 (or 1 - 2^30 for a negative product) and truncates toward zero, which for a
 *       negative product is floor((ab + 2^30) / 2^31) too (ceil(N / D) = floor((N + D - 1) / D)).
 *       The saturating case needs a negative multiplier; a parsed model has 0 or 2^30 .. 2^31 - 1.
 *   RDBPOT(x, e), e = -shift: TFLite adds 1 when the remainder x mod 2^e exceeds 2^(e-1) - 1 + [x < 0];
 *       that is floor((x + h + [x >= 0]) / 2^e) with h = 2^(e-1) - 1, and since adding a multiple of
 *       2^31 commutes with the floor, (t + c 2^31) >> (31 + e) with c = 2^(e-1) - [t < 0]
 *       ([x < 0] = [t < 0]): no 32-bit overflow anywhere, and for e >= 1 it is the high word
 *       >> (e - 1). For e = 0 (a multiplier in [0.5, 1)) the result is t >> 31 itself.
 *   ReLU: max(ssat8(v + z), z) = ssat8(max(v, 0) + z) (z >= -128), and max(v, 0) is one BIC.
 */
    .macro REQUANT acc, off, relu
    ldrd    r9, r10, [r2, #(\off + 4)]   @ multiplier, shift
    mov     r8, #0x40000000
    movs    r11, #0
    smlal   r8, r11, \acc, r9
    mvns    r10, r10                     @ e - 1 = ~shift; negative when e = 0
    bmi     1f
    movs    r9, #1
    lsl     r9, r9, r10                  @ 2^(e-1)
    add     r9, r9, r11, asr #31         @ c
    adds    r8, r8, r9, lsl #31
    adc     r11, r11, r9, lsr #1
    asr     r9, r11, r10
    b       2f
1:
    lsr     r9, r8, #31
    orr     r9, r9, r11, lsl #1
2:
    .if \relu == 1
    bic     r9, r9, r9, asr #31
    .endif
    .if \relu == 2                      @ at run time: [sp, #16] = 0xFFFFFFFF for ReLU, else 0
    ldr     r10, [sp, #16]
    and     r10, r10, r9, asr #31
    bic     r9, r9, r10
    .endif
    add     r9, r9, lr
    ssat    r9, #8, r9
    strb    r9, [r3], #1
    .endm

    .macro PAIRS name, relu
    .global \name
    .type \name, %function
    .p2align 2
\name:
    push    {r4-r11, lr}
    ldr     r4, [sp, #36]                @ args
    ldr     r5, [r4, #0]                 @ pairs
    cmp     r5, #0
    beq     9f
    ldr     r6, [r4, #4]                 @ in
    ldr     r7, [r4, #8]                 @ z_y
    sub     sp, sp, #16
    str     r5, [sp, #0]                 @ pairs left
    str     r7, [sp, #4]
    str     r0, [sp, #12]                @ xs
    @ r0: xs walk, r1: w0 walk, r4: w1 walk, r6: in, r5/r7: acc0/acc1, r12: end of xs
3:
    ldr     r0, [sp, #12]
    add     r12, r0, r6, lsl #1
    add     r4, r1, r6
    ldr     r5, [r2, #0]                 @ acc0 = bias[o] (the input zero point folded in)
    ldr     r7, [r2, #12]                @ acc1 = bias[o + 1]
4:
    ldrd    r8, r9, [r0], #8             @ (x0 x2), (x1 x3)
    ldr     r10, [r1], #4
    ldr     r11, [r4], #4
    sxtb16  lr, r10
    smlad   r5, lr, r8, r5
    sxtb16  lr, r10, ror #8
    smlad   r5, lr, r9, r5
    sxtb16  lr, r11
    smlad   r7, lr, r8, r7
    sxtb16  lr, r11, ror #8
    smlad   r7, lr, r9, r7
    cmp     r0, r12
    bne     4b
    ldr     lr, [sp, #4]                 @ z_y
    REQUANT r5, 0, \relu
    REQUANT r7, 12, \relu
    mov     r1, r4                       @ the next pair's w0 is past w1
    adds    r2, r2, #24
    ldr     r5, [sp, #0]
    subs    r5, r5, #1
    str     r5, [sp, #0]
    bne     3b
    add     sp, sp, #16
9:
    pop     {r4-r11, pc}
    .size \name, .-\name
    .endm

    PAIRS nn_dense_pairs_m4, 0
    PAIRS nn_dense_pairs_relu_m4, 1

    .global nn_dense_sparse_m4
    .type nn_dense_sparse_m4, %function
    .p2align 2
nn_dense_sparse_m4:
    push    {r4-r11, lr}
    ldr     r4, [sp, #36]                @ args
    ldr     r5, [r4, #0]                 @ pairs
    cmp     r5, #0
    beq     9f
    sub     sp, sp, #32
    str     r5, [sp, #0]                 @ pairs left
    ldr     r6, [r4, #8]
    str     r6, [sp, #4]                 @ z_y
    ldr     r6, [r4, #4]
    str     r6, [sp, #8]                 @ mask words per pair
    str     r0, [sp, #12]                @ xs
    ldr     r6, [r4, #16]
    str     r6, [sp, #16]                @ relu mask
    ldr     r4, [r4, #12]                @ r4: mask walk
    @ r0: input walk, r1: block walk, r5/r7: acc0/acc1, r6: mask bits left, [sp, #20]: words left,
    @ [sp, #24]: this word's first input
3:
    ldr     r5, [r2, #0]                 @ acc0 = bias[o] (the input zero point folded in)
    ldr     r7, [r2, #12]                @ acc1 = bias[o + 1]
    ldr     r0, [sp, #12]
    str     r0, [sp, #24]
    ldr     r12, [sp, #8]
    str     r12, [sp, #20]
5:
    ldr     r6, [r4], #4                 @ this word's mask: bit 31 = its first column block
    cbz     r6, 7f
6:
    clz     r12, r6                      @ blocks not stored before the next stored one
    lsl     r6, r6, r12
    lsls    r6, r6, #1                   @ drop its bit; Z when the word has no more
    add     r0, r0, r12, lsl #3          @ skip them: 4 inputs = 8 bytes of xs each
    ldrd    r8, r9, [r0], #8             @ (x0 x2), (x1 x3)
    ldrd    r10, r11, [r1], #8           @ row 0's four weights, row 1's four
    sxtb16  lr, r10
    smlad   r5, lr, r8, r5
    sxtb16  lr, r10, ror #8
    smlad   r5, lr, r9, r5
    sxtb16  lr, r11
    smlad   r7, lr, r8, r7
    sxtb16  lr, r11, ror #8
    smlad   r7, lr, r9, r7
    bne     6b
7:
    ldr     r12, [sp, #20]
    subs    r12, r12, #1
    beq     8f
    str     r12, [sp, #20]
    ldr     r0, [sp, #24]
    add     r0, r0, #256                 @ the next word's 32 column blocks
    str     r0, [sp, #24]
    b       5b
8:
    ldr     lr, [sp, #4]                 @ z_y
    REQUANT r5, 0, 2
    REQUANT r7, 12, 2
    adds    r2, r2, #24
    ldr     r5, [sp, #0]
    subs    r5, r5, #1
    str     r5, [sp, #0]
    bne     3b
    add     sp, sp, #32
9:
    pop     {r4-r11, pc}
    .size nn_dense_sparse_m4, .-nn_dense_sparse_m4
