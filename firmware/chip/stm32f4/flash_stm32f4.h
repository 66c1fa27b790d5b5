/*
 * The STM32F405's embedded flash as the model store's two slots (RM0090 §3, "Embedded Flash
 * memory interface"). Layout (RM0090 Table 5, sectors of the 1 MB device):
 *   sectors 0-2   0x08000000  48 KB   the firmware image (the build keeps it under 40 KB)
 *   sector 3      0x0800C000  16 KB   model slot 0
 *   sector 4      0x08010000  64 KB   model slot 1 (its first 16 KB)
 *   sector 5      0x08020000 128 KB   the identity record (docs/protocol.md §4.3): pairing key,
 *                                     name, CONFIG values; appended, 84 bytes each, the last intact
 *                                     one counts; the sector is erased only when full (1,560 saves)
 *   sectors 6-7   0x08040000 2 x 128 KB the node's own baseline record, two slots
 *                                     (store/baseline_store.h; 4 KB used of each)
 * Slots are 16 KB; a slot erase is a sector erase. Programming is 32 bits at a time (PSIZE = x32,
 * for a 2.7-3.6 V supply, RM0090 §3.6.2 Table 6), and every word is read back.
 *
 * The F405 has one flash bank: while a sector is erased (up to 2 s for the 64 KB one, datasheet
 * DS8626 Table 42) every fetch from flash stalls, interrupts included, so the sensor FIFO
 * overflows and the node restarts its sample stream afterwards. Model updates are rare.
 */
#ifndef STM32F4_FLASH_H
#define STM32F4_FLASH_H

#include <stdbool.h>

#include "../../src/store/flash.h"

#define FLASH_STM32F4_SLOT_SIZE 16384u

/* Binds f to the two slots above. */
void flash_stm32f4_init(store_flash_t *f);

#define FLASH_STM32F4_BASELINE_SLOT_SIZE 4096u /* a 3-speed, 96-band baseline record is 2,376 bytes */

/* Binds f to the two baseline record slots (sectors 6 and 7; an erase takes up to 2 s, once per
 * learning period or reset). */
void flash_stm32f4_baseline_init(store_flash_t *f);

#define FLASH_STM32F4_IDENTITY_SECTOR 5u
#define FLASH_STM32F4_IDENTITY_ADDR 0x08020000u
#define FLASH_STM32F4_IDENTITY_SIZE 131072u
#define FLASH_STM32F4_RECORD_LEN 84u /* NODE_IDENTITY_LEN */

/* The newest record that intact() accepts, or NULL (a fresh node). */
const uint8_t *flash_stm32f4_identity_load(bool (*intact)(const uint8_t *rec));

/* Appends a record (FLASH_STM32F4_RECORD_LEN bytes) after the last one; erases the sector when full. */
vigil_status_t flash_stm32f4_identity_save(const uint8_t *rec, size_t len);

#endif /* STM32F4_FLASH_H */
