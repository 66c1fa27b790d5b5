/*
 * The STM32F405's embedded flash as the model store's two slots (RM0090 §3, "Embedded Flash
 * memory interface"). Layout (RM0090 Table 5, sectors of the 1 MB device):
 *   sectors 0-3   0x08000000  64 KB   the firmware image (boards/stm32f405/memory.ld)
 *   sector 4      0x08010000  64 KB   free: never written by the node (room for the image to grow)
 *   sector 5      0x08020000 128 KB   the identity record (docs/protocol.md §4.3): pairing key,
 *                                     name, CONFIG values; appended, 84 bytes each, the last intact
 *                                     one counts; the sector is erased only when full (1,560 saves)
 *   sectors 6-7   0x08040000 2 x 128 KB the node's own baseline record, two slots
 *                                     (store/baseline_store.h; 4 KB used of each)
 *   sector 8      0x08080000 128 KB   model slot 0 (its first 16 KB)
 *   sector 9      0x080A0000 128 KB   model slot 1 (its first 16 KB)
 *   sectors 10-11                     unused
 * Slots are 16 KB; a slot erase is a sector erase. Programming is 32 bits at a time (PSIZE = x32,
 * for a 2.7-3.6 V supply, RM0090 §3.6.2 Table 6), and every word is read back.
 *
 * Until the image carried the speed-aware scorer (src/nn/speed.c) it had sectors 0-2 (48 KB) and
 * the model slots were sectors 3 and 4. The image now needs sector 3; the identity and baseline
 * records stay where they were, so an updated node keeps its pairing and its learned baseline; its
 * installed models are left behind (sector 3 is overwritten by the image, sector 4 is never read
 * again) and must be deployed again (docs/architecture.md, "Flash layout").
 *
 * The F405 has one flash bank: while a sector is erased every fetch from flash stalls,
 * interrupts included, so the sensor FIFO overflows and the node restarts its sample stream
 * afterwards. A 128 KB sector takes 1 s, at most 2 s, at x32 (datasheet DS8626 Table 42), as the
 * identity and baseline sectors already did; model updates are rare.
 */
#ifndef STM32F4_FLASH_H
#define STM32F4_FLASH_H

#include <stdbool.h>

#include "../../src/store/flash.h"

#define FLASH_STM32F4_SLOT_SIZE 16384u
#define FLASH_STM32F4_MODEL_SLOT0_SECTOR 8u
#define FLASH_STM32F4_MODEL_SLOT0_ADDR 0x08080000u
#define FLASH_STM32F4_MODEL_SLOT1_SECTOR 9u
#define FLASH_STM32F4_MODEL_SLOT1_ADDR 0x080A0000u

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
