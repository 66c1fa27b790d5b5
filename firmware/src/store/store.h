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
 * newest (highest sequence) confirmed slot that the node still accepts; with none the node falls
 * back to its built-in default model. test_store.c cuts the power at every flash operation.
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
 * then confirmed or rejected), and selects the newest confirmed slot accept() still takes.
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

#endif /* STORE_STORE_H */
