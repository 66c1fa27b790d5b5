#include "store.h"

#include <string.h>

#include "../proto/le.h"

#define TR_MAGIC 0u
#define TR_LENGTH 4u
#define TR_SEQ 8u
#define TR_TRIAL 16u
#define TR_CONFIRMED 20u
#define TR_REJECTED 24u
#define STORE_PROGRAM_CHUNK 1024u

static const uint8_t *trailer(const store_t *s, uint32_t slot)
{
    return s->flash->read(s->flash, slot) + s->flash->slot_size - STORE_TRAILER_LEN;
}

static uint32_t word_at(const store_t *s, uint32_t slot, uint32_t off)
{
    return proto_get_u32le(trailer(s, slot) + off);
}

static vigil_status_t put_word(const store_t *s, uint32_t slot, uint32_t off, uint32_t value)
{
    uint8_t w[4];
    proto_put_u32le(w, value);
    vigil_status_t st = s->flash->program(s->flash, slot, s->flash->slot_size - STORE_TRAILER_LEN + off, w, 4);
    if (st == VIGIL_OK && word_at(s, slot, off) != value) {
        st = VIGIL_ERR_FLASH;
    }
    return st;
}

vigil_status_t store_init(store_t *s, const store_flash_t *flash)
{
    if (s == NULL || flash == NULL || flash->slot_size < 2u * STORE_TRAILER_LEN || (flash->slot_size & 3u)) {
        return VIGIL_ERR_ARG;
    }
    s->flash = flash;
    s->active = -1;
    return VIGIL_OK;
}

store_slot_info_t store_slot_info(const store_t *s, uint32_t slot)
{
    store_slot_info_t info = {STORE_SLOT_EMPTY, 0, 0};
    const uint32_t max_len = s->flash->slot_size - STORE_TRAILER_LEN;
    if (word_at(s, slot, TR_MAGIC) != STORE_MAGIC) {
        return info;
    }
    info.length = word_at(s, slot, TR_LENGTH);
    info.seq = word_at(s, slot, TR_SEQ);
    if (info.length == 0 || info.length > max_len) {
        return info; /* a magic over garbage: treat as empty */
    }
    /* A marker word that is not erased counts as written, even if its programming was cut short;
     * "confirmed" must read back exactly. */
    if (word_at(s, slot, TR_REJECTED) != 0xFFFFFFFFu) {
        info.state = STORE_SLOT_REJECTED;
    } else if (word_at(s, slot, TR_CONFIRMED) == STORE_MARK_CONFIRMED) {
        info.state = STORE_SLOT_CONFIRMED;
    } else if (word_at(s, slot, TR_TRIAL) != 0xFFFFFFFFu || word_at(s, slot, TR_CONFIRMED) != 0xFFFFFFFFu) {
        info.state = STORE_SLOT_TRYING;
    } else {
        info.state = STORE_SLOT_PENDING;
    }
    return info;
}

/* Slots in the given state, newest (highest sequence) first; returns how many. */
static size_t slots_by_seq(const store_t *s, store_slot_state_t state, uint32_t out[STORE_SLOTS])
{
    size_t n = 0;
    for (uint32_t i = 0; i < STORE_SLOTS; i++) {
        if (store_slot_info(s, i).state == state) {
            out[n++] = i;
        }
    }
    if (n == 2 && store_slot_info(s, out[1]).seq > store_slot_info(s, out[0]).seq) {
        const uint32_t t = out[0];
        out[0] = out[1];
        out[1] = t;
    }
    return n;
}

vigil_status_t store_boot(store_t *s, store_accept_fn accept, void *ctx, const uint8_t **blob, size_t *len)
{
    s->active = -1;
    uint32_t order[STORE_SLOTS];
    /* 1. A trial that never reached a verdict: revert it. */
    size_t n = slots_by_seq(s, STORE_SLOT_TRYING, order);
    for (size_t i = 0; i < n; i++) {
        if (put_word(s, order[i], TR_REJECTED, STORE_MARK_REJECTED) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
    }
    /* 2. New models: mark the trial first, so a reset during it reverts. */
    n = slots_by_seq(s, STORE_SLOT_PENDING, order);
    for (size_t i = 0; i < n; i++) {
        const uint32_t slot = order[i];
        if (put_word(s, slot, TR_TRIAL, STORE_MARK_TRIAL) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
        const vigil_status_t verdict = accept(ctx, s->flash->read(s->flash, slot), store_slot_info(s, slot).length);
        if (put_word(s, slot, verdict == VIGIL_OK ? TR_CONFIRMED : TR_REJECTED,
                     verdict == VIGIL_OK ? STORE_MARK_CONFIRMED : STORE_MARK_REJECTED) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
    }
    /* 3. The newest confirmed model the node still accepts (its key or spec may have changed: a
     *    refusal now does not reject the slot). */
    n = slots_by_seq(s, STORE_SLOT_CONFIRMED, order);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *b = s->flash->read(s->flash, order[i]);
        const size_t l = store_slot_info(s, order[i]).length;
        if (accept(ctx, b, l) == VIGIL_OK) {
            s->active = (int)order[i];
            *blob = b;
            *len = l;
            return VIGIL_OK;
        }
    }
    return VIGIL_ERR_EMPTY;
}

vigil_status_t store_write(store_t *s, const uint8_t *blob, size_t len)
{
    const store_flash_t *f = s->flash;
    if (blob == NULL || len == 0) {
        return VIGIL_ERR_ARG;
    }
    if (len > f->slot_size - STORE_TRAILER_LEN) {
        return VIGIL_ERR_LIMIT;
    }
    /* The target: never the running slot; otherwise the emptier / older one. */
    uint32_t seq = 0;
    store_slot_info_t info[STORE_SLOTS];
    for (uint32_t i = 0; i < STORE_SLOTS; i++) {
        info[i] = store_slot_info(s, i);
        if (info[i].state != STORE_SLOT_EMPTY && info[i].seq > seq && info[i].seq != 0xFFFFFFFFu) {
            seq = info[i].seq;
        }
    }
    uint32_t target;
    if (s->active >= 0) {
        target = (uint32_t)(1 - s->active);
    } else if (info[0].state == STORE_SLOT_EMPTY || info[1].state == STORE_SLOT_EMPTY) {
        target = info[0].state == STORE_SLOT_EMPTY ? 0u : 1u;
    } else {
        target = info[0].seq <= info[1].seq ? 0u : 1u;
    }

    if (f->erase(f, target) != VIGIL_OK) {
        return VIGIL_ERR_FLASH;
    }
    /* Whole words, in chunks (what an update over the link will deliver); a final partial word is
     * padded with 0xFF (the erased value). */
    const size_t whole = len & ~(size_t)3u;
    for (size_t off = 0; off < whole; off += STORE_PROGRAM_CHUNK) {
        const size_t n = whole - off < STORE_PROGRAM_CHUNK ? whole - off : STORE_PROGRAM_CHUNK;
        if (f->program(f, target, (uint32_t)off, blob + off, n) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
    }
    if (whole < len) {
        uint8_t last[4] = {0xFF, 0xFF, 0xFF, 0xFF};
        memcpy(last, blob + whole, len - whole);
        if (f->program(f, target, (uint32_t)whole, last, 4) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
    }
    if (memcmp(f->read(f, target), blob, len) != 0) {
        return VIGIL_ERR_FLASH; /* verify (RM0090 §3.6.2 recommends reading back) */
    }
    if (put_word(s, target, TR_LENGTH, (uint32_t)len) != VIGIL_OK ||
        put_word(s, target, TR_SEQ, seq + 1u) != VIGIL_OK ||
        put_word(s, target, TR_MAGIC, STORE_MAGIC) != VIGIL_OK) {
        return VIGIL_ERR_FLASH;
    }
    return VIGIL_OK;
}
