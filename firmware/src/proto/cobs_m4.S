/*
 * The fused CRC-32 + COBS encoding loop of proto/cobs.c (put_fast with the CRC), for the
 * Cortex-M4: 12 instructions per non-zero byte (C from GCC 12: 15). The C is the definition and
 * the host build's code; the frame vectors hold both to the same bytes (on the target through the
 * QEMU node's frames).
 *
 * void cobs_crc_m4(const uint8_t *p, const uint8_t *end, cobs_fast_t *st)
 *   st = {uint8_t *o, uint8_t *code_at, uint32_t code, uint32_t crc, uint8_t *last_full,
 *         const uint32_t *table}, read and written back (table is only read).
 */
    .syntax unified
    .thumb
    .text
    .global cobs_crc_m4
    .type cobs_crc_m4, %function
    .p2align 2
cobs_crc_m4:
    push    {r4-r11, lr}
    cmp     r0, r1
    beq     8f
    ldmia   r2, {r4-r9}              @ o, code_at, code, crc, last_full, table
1:
    ldrb    r3, [r0], #1
    eor     r11, r7, r3
    uxtb    r11, r11
    ldr     r11, [r9, r11, lsl #2]
    eor     r7, r11, r7, lsr #8      @ crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    cbz     r3, 3f
    strb    r3, [r4], #1
    adds    r6, r6, #1
    cmp     r6, #255
    beq     4f
2:
    cmp     r0, r1
    bne     1b
    stmia   r2, {r4-r8}
8:
    pop     {r4-r11, pc}
3:                                   @ a zero: close the block, open the next
    strb    r6, [r5]
    mov     r5, r4
    adds    r4, r4, #1
    movs    r6, #1
    b       2b
4:                                   @ a full block: close it (0xFF), open the next at once
    strb    r6, [r5]
    mov     r5, r4
    adds    r4, r4, #1
    movs    r6, #1
    mov     r8, r5                   @ remembered: cobs_encoder_end drops it if left empty
    b       2b
    .size cobs_crc_m4, .-cobs_crc_m4
