/*
 * The node's own baseline record (docs/detection.md §3.4): two slots of a store_flash_t, written in
 * turn, the newest intact one counts, so a power loss at any flash operation leaves the previous
 * record (the model store's habit, store/store.h).
 *
 *   slot: | magic "VBLS" | seq | kind | learn_windows | store_seq | len | crc | image (len bytes) |
 *   offsets 0, 4, 8, 12, 16, 20, 24, 28; crc = CRC-32 of bytes 4..23 and the image.
 *
 * Programming order: the image and the words 4..27 first, the magic last. An erase or a program
 * cut short leaves no magic, or a CRC that does not match: the slot is ignored.
 *
 * kind: BLSTORE_LEARN (the technician asked for a learning period of learn_windows), or
 * BLSTORE_LEARNED (the image is a learned baseline, nn/baseline.h baseline_save). store_seq is the
 * highest sequence number in the model store when the record was written: a model deployed later
 * (a higher sequence) replaces the baseline at the next boot. A store found empty under a record
 * with store_seq above 0 was emptied or moved: the node writes the record again with 0
 * (node/node_baseline.c node_baseline_boot).
 */
#ifndef STORE_BASELINE_STORE_H
#define STORE_BASELINE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "flash.h"

#define BLSTORE_MAGIC 0x534C4256u /* "VBLS" little-endian */
#define BLSTORE_HEADER_LEN 28u
#define BLSTORE_LEARN 1u
#define BLSTORE_LEARNED 2u

typedef struct {
    uint32_t seq;
    uint32_t kind;          /* BLSTORE_LEARN or BLSTORE_LEARNED */
    uint32_t learn_windows;
    uint32_t store_seq;
    const uint8_t *image;   /* in the slot; len bytes (0 for BLSTORE_LEARN) */
    uint32_t len;
} blstore_record_t;

/* The newest intact record: VIGIL_OK, or VIGIL_ERR_EMPTY when neither slot holds one. */
VIGIL_NODISCARD vigil_status_t blstore_read(const store_flash_t *f, blstore_record_t *rec);

/*
 * Writes rec (its seq is ignored: one above the newest) into the slot that does not hold the newest
 * record: erase, image, header, magic. VIGIL_ERR_LIMIT when it does not fit a slot, VIGIL_ERR_FLASH
 * when an operation fails.
 */
VIGIL_NODISCARD vigil_status_t blstore_write(const store_flash_t *f, const blstore_record_t *rec);

#endif /* STORE_BASELINE_STORE_H */
