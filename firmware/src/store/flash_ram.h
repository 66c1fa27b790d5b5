/* A store_flash_t over RAM: NOR-flash rules enforced (program only erased words), nothing kept
 * across resets. The QEMU board's model store (QEMU's netduinoplus2 models no flash
 * controller) and the tests' flash. */
#ifndef STORE_FLASH_RAM_H
#define STORE_FLASH_RAM_H

#include "flash.h"

typedef struct {
    uint8_t *mem;       /* STORE_SLOTS * slot_size bytes, 4-aligned */
    uint32_t erases;    /* operation counters, for tests */
    uint32_t programs;
} flash_ram_t;

/* Binds f to ram over mem (erased here). VIGIL_ERR_ARG for a misaligned mem or slot_size. */
VIGIL_NODISCARD vigil_status_t flash_ram_init(store_flash_t *f, flash_ram_t *ram, uint8_t *mem,
                                              uint32_t slot_size);

#endif /* STORE_FLASH_RAM_H */
