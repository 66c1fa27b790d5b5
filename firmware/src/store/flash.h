/*
 * What the model store needs from a flash device: two equal logical slots, each erased to 0xFF as
 * a whole and programmed one 32-bit word at a time (the STM32F4 with x32 parallelism, RM0090
 * §3.6.2). Three implementations: the STM32F4 flash controller (chip/stm32f4/flash_stm32f4.c),
 * RAM (store/flash_ram.c: the QEMU board, whose flash controller is not emulated, and tests) and a
 * file (boards/host/flash_file.c: the virtual node's store survives restarts).
 */
#ifndef STORE_FLASH_H
#define STORE_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

#define STORE_SLOTS 2u

typedef struct store_flash store_flash_t;
struct store_flash {
    /* Sets every byte of the slot to 0xFF. */
    vigil_status_t (*erase)(const store_flash_t *f, uint32_t slot);
    /* Programs len bytes at offset; offset and len are multiples of 4 and the words are erased. */
    vigil_status_t (*program)(const store_flash_t *f, uint32_t slot, uint32_t offset, const uint8_t *data,
                              size_t len);
    /* The slot's contents, memory-mapped (flash) or mirrored (RAM, file); 4-aligned. */
    const uint8_t *(*read)(const store_flash_t *f, uint32_t slot);
    uint32_t slot_size; /* bytes per slot, a multiple of 4 */
    void *ctx;
};

#endif /* STORE_FLASH_H */
