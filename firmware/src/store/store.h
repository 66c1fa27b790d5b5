/*
 * The model store: two slots and, at the end of each, a small metadata record (the trailer),
 * after MCUboot's swap-free "test, confirm or revert" scheme:
 *
 *   slot:  | model blob (docs/model-format.md) ... 0xFF ... | trailer (32 bytes) |
 *   trailer words (each programmed once, from erased, in this order over a slot's life):
 *     +4 length, +8 sequence   written after the blob is programmed and verified
 *     +0 magic "VGST"          written last: the slot now holds a complete blob (PENDING)
 *     +16 trial                the node is trying it (its checks and self-test are running)
 *     +20 confirmed            it passed; it may run at every boot (CONFIRMED)
 *     +24 rejected             it failed, or a trial was interrupted (REJECTED, never run again)
 *
 * A write goes to the slot that does not hold the running model, so a power loss at any point
 * leaves the running model intact: an incomplete slot has no magic; a trial cut short is found
 * with "trial" but neither verdict and is rejected (reverted) at the next boot. The boot loads the
 * confirmed slot with the highest model version (then sequence) that the node still accepts; with
 * none the node falls back to its built-in default model. A pending slot whose model version is not
 * above every confirmed one (a replayed older model) is rejected without a trial. An update over
 * the link (ota/transfer.c) writes the trial mark before the magic, so its slot is TRYING from the
 * moment it is complete: a reset before the node confirms it reverts it. test_store.c and
 * test_transfer.c cut the power at every flash operation.
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "flash.h"

#define STORE_TRAILER_LEN 32u
#define STORE_MAGIC 0x54534756u     /* "VGST" little-endian */
#define STORE_MARK_TRIAL 0x4C415254u /* "TRAL" */
#define STORE_MARK_CONFIRMED 0x4D524643u /* "CFRM" */
#define STORE_MARK_REJECTED 0x5443454Au  /* "JECT" */

typedef enum {
    STORE_SLOT_EMPTY = 0,
    STORE_SLOT_PENDING,
    STORE_SLOT_TRYING,    /* trial marked, no verdict: interrupted */
    STORE_SLOT_CONFIRMED,
    STORE_SLOT_REJECTED,
} store_slot_state_t;

typedef struct {
    store_slot_state_t state;
    uint32_t length;
    uint32_t seq;
    uint32_t version; /* the blob's model version (docs/model-format.md §2.1 +12), unchecked */
} store_slot_info_t;

typedef struct store_s {
    const store_flash_t *flash;
    int active;        /* slot of the running model, -1 when none (default model or no model) */
} store_t;

/*
 * The node's acceptance test for a blob: parse, CRC and tag under the node's key, feature spec,
 * axes, self-test (docs/model-format.md §2.8). VIGIL_OK to run it.
 */
typedef vigil_status_t (*store_accept_fn)(void *ctx, const uint8_t *blob, size_t len);

VIGIL_NODISCARD vigil_status_t store_init(store_t *s, const store_flash_t *flash);

/* Decodes one slot's trailer. */
store_slot_info_t store_slot_info(const store_t *s, uint32_t slot);

/*
 * At boot: rejects interrupted trials, trials pending slots (newest first: trial mark, accept,
 * then confirmed or rejected; one not newer than every confirmed slot is rejected untried), and
 * selects the highest-version confirmed slot accept() still takes.
 * Returns VIGIL_OK with *blob, *len pointing into that slot, VIGIL_ERR_EMPTY when there is none,
 * VIGIL_ERR_FLASH when a marker could not be written.
 */
VIGIL_NODISCARD vigil_status_t store_boot(store_t *s, store_accept_fn accept, void *ctx, const uint8_t **blob,
                                          size_t *len);

/*
 * Writes blob into the slot that is not active: erase, program, verify, length and sequence, then
 * the magic. The slot is then PENDING; store_boot trials it. VIGIL_ERR_LIMIT when the blob does
 * not fit a slot, VIGIL_ERR_FLASH when an operation fails or does not verify.
 */
VIGIL_NODISCARD vigil_status_t store_write(store_t *s, const uint8_t *blob, size_t len);

/* store_write in steps, for an update that arrives in chunks (ota/transfer.c). */
/* Erases the slot that is not active and returns it in *slot. */
VIGIL_NODISCARD vigil_status_t store_begin(store_t *s, uint32_t *slot);
/* Programs and verifies len bytes at offset (a multiple of 4) of an erased, inactive slot; a final
 * partial word is padded with 0xFF. VIGIL_ERR_LIMIT past the slot's blob area. */
VIGIL_NODISCARD vigil_status_t store_program(store_t *s, uint32_t slot, uint32_t offset, const uint8_t *data,
                                             size_t len);
/* Writes the trailer of a programmed slot: length, sequence, [trial mark], magic. With trial the
 * slot is TRYING from then on (a reset reverts it); without, PENDING (store_boot trials it). */
VIGIL_NODISCARD vigil_status_t store_finish(store_t *s, uint32_t slot, size_t len, bool trial);
/* The verdict on a slot: confirmed (it may run at every boot) or rejected (never again). */
VIGIL_NODISCARD vigil_status_t store_verdict(store_t *s, uint32_t slot, bool confirmed);

#endif /* STORE_STORE_H */
