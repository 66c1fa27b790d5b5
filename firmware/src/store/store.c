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
    store_slot_info_t info = {STORE_SLOT_EMPTY, 0, 0, 0};
    const uint32_t max_len = s->flash->slot_size - STORE_TRAILER_LEN;
    if (word_at(s, slot, TR_MAGIC) != STORE_MAGIC) {
        return info;
    }
    info.length = word_at(s, slot, TR_LENGTH);
    info.seq = word_at(s, slot, TR_SEQ);
    if (info.length == 0 || info.length > max_len) {
        return info; /* a magic over garbage: treat as empty */
    }
    /* The model version, docs/model-format.md §2.1 (+12); the acceptance test checks the rest. */
    info.version = info.length >= 16u ? proto_get_u32le(s->flash->read(s->flash, slot) + 12) : 0u;
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

/* Slots in the given state, newest first: by sequence (write order), or by model version then
 * sequence; returns how many. */
static size_t slots_by(const store_t *s, store_slot_state_t state, bool by_version, uint32_t out[STORE_SLOTS])
{
    size_t n = 0;
    for (uint32_t i = 0; i < STORE_SLOTS; i++) {
        if (store_slot_info(s, i).state == state) {
            out[n++] = i;
        }
    }
    if (n == 2) {
        const store_slot_info_t a = store_slot_info(s, out[0]), b = store_slot_info(s, out[1]);
        const bool swap = by_version && a.version != b.version ? b.version > a.version : b.seq > a.seq;
        if (swap) {
            out[0] ^= 1u;
            out[1] ^= 1u;
        }
    }
    return n;
}

vigil_status_t store_boot(store_t *s, store_accept_fn accept, void *ctx, const uint8_t **blob, size_t *len)
{
    s->active = -1;
    uint32_t order[STORE_SLOTS];
    /* 1. A trial that never reached a verdict: revert it. */
    size_t n = slots_by(s, STORE_SLOT_TRYING, false, order);
    for (size_t i = 0; i < n; i++) {
        if (put_word(s, order[i], TR_REJECTED, STORE_MARK_REJECTED) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
    }
    /* 2. New models: mark the trial first, so a reset during it reverts. A model whose version is
     *    not above every confirmed one is a replayed older model: rejected without a trial (an
     *    older model returns only through an explicit rollback, which rejects the newer slot). */
    uint32_t floor = 0;
    n = slots_by(s, STORE_SLOT_CONFIRMED, true, order);
    if (n > 0) {
        floor = store_slot_info(s, order[0]).version;
    }
    n = slots_by(s, STORE_SLOT_PENDING, false, order);
    for (size_t i = 0; i < n; i++) {
        const uint32_t slot = order[i];
        const store_slot_info_t info = store_slot_info(s, slot);
        vigil_status_t verdict = VIGIL_ERR_ROLLBACK;
        if (info.version > floor) {
            if (put_word(s, slot, TR_TRIAL, STORE_MARK_TRIAL) != VIGIL_OK) {
                return VIGIL_ERR_FLASH;
            }
            verdict = accept(ctx, s->flash->read(s->flash, slot), info.length);
        }
        if (store_verdict(s, slot, verdict == VIGIL_OK) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
        if (verdict == VIGIL_OK && info.version > floor) {
            floor = info.version;
        }
    }
    /* 3. The highest-version confirmed model the node still accepts (its key or spec may have
     *    changed: a refusal now does not reject the slot). */
    n = slots_by(s, STORE_SLOT_CONFIRMED, true, order);
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

/* The slot an update writes: never the running one; otherwise an empty, else the older one. */
static uint32_t update_target(const store_t *s)
{
    if (s->active >= 0) {
        return (uint32_t)(1 - s->active);
    }
    const store_slot_info_t a = store_slot_info(s, 0), b = store_slot_info(s, 1);
    if (a.state == STORE_SLOT_EMPTY || b.state == STORE_SLOT_EMPTY) {
        return a.state == STORE_SLOT_EMPTY ? 0u : 1u;
    }
    return a.seq <= b.seq ? 0u : 1u;
}

vigil_status_t store_begin(store_t *s, uint32_t *slot)
{
    const uint32_t target = update_target(s);
    if (s->flash->erase(s->flash, target) != VIGIL_OK) {
        return VIGIL_ERR_FLASH;
    }
    *slot = target;
    return VIGIL_OK;
}

vigil_status_t store_program(store_t *s, uint32_t slot, uint32_t offset, const uint8_t *data, size_t len)
{
    const store_flash_t *f = s->flash;
    if (slot >= STORE_SLOTS || (int)slot == s->active || data == NULL || (offset & 3u) != 0) {
        return VIGIL_ERR_ARG;
    }
    if (len > f->slot_size - STORE_TRAILER_LEN || offset > f->slot_size - STORE_TRAILER_LEN - len) {
        return VIGIL_ERR_LIMIT;
    }
    /* Whole words, in chunks; a final partial word is padded with 0xFF (the erased value). */
    const size_t whole = len & ~(size_t)3u;
    for (size_t off = 0; off < whole; off += STORE_PROGRAM_CHUNK) {
        const size_t n = whole - off < STORE_PROGRAM_CHUNK ? whole - off : STORE_PROGRAM_CHUNK;
        if (f->program(f, slot, offset + (uint32_t)off, data + off, n) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
    }
    if (whole < len) {
        uint8_t last[4] = {0xFF, 0xFF, 0xFF, 0xFF};
        memcpy(last, data + whole, len - whole);
        if (f->program(f, slot, offset + (uint32_t)whole, last, 4) != VIGIL_OK) {
            return VIGIL_ERR_FLASH;
        }
    }
    if (memcmp(f->read(f, slot) + offset, data, len) != 0) {
        return VIGIL_ERR_FLASH; /* verify (RM0090 §3.6.2 recommends reading back) */
    }
    return VIGIL_OK;
}

vigil_status_t store_finish(store_t *s, uint32_t slot, size_t len, bool trial)
{
    if (slot >= STORE_SLOTS || (int)slot == s->active || len == 0 || len > s->flash->slot_size - STORE_TRAILER_LEN) {
        return VIGIL_ERR_ARG;
    }
    uint32_t seq = 0;
    for (uint32_t i = 0; i < STORE_SLOTS; i++) {
        const store_slot_info_t info = store_slot_info(s, i);
        if (i != slot && info.state != STORE_SLOT_EMPTY && info.seq > seq && info.seq != 0xFFFFFFFFu) {
            seq = info.seq;
        }
    }
    if (put_word(s, slot, TR_LENGTH, (uint32_t)len) != VIGIL_OK || put_word(s, slot, TR_SEQ, seq + 1u) != VIGIL_OK ||
        (trial && put_word(s, slot, TR_TRIAL, STORE_MARK_TRIAL) != VIGIL_OK) ||
        put_word(s, slot, TR_MAGIC, STORE_MAGIC) != VIGIL_OK) {
        return VIGIL_ERR_FLASH;
    }
    return VIGIL_OK;
}

vigil_status_t store_verdict(store_t *s, uint32_t slot, bool confirmed)
{
    if (slot >= STORE_SLOTS || store_slot_info(s, slot).state == STORE_SLOT_EMPTY) {
        return VIGIL_ERR_ARG;
    }
    return put_word(s, slot, confirmed ? TR_CONFIRMED : TR_REJECTED,
                    confirmed ? STORE_MARK_CONFIRMED : STORE_MARK_REJECTED);
}

vigil_status_t store_write(store_t *s, const uint8_t *blob, size_t len)
{
    if (blob == NULL || len == 0) {
        return VIGIL_ERR_ARG;
    }
    if (len > s->flash->slot_size - STORE_TRAILER_LEN) {
        return VIGIL_ERR_LIMIT;
    }
    uint32_t slot;
    vigil_status_t st = store_begin(s, &slot);
    if (st == VIGIL_OK) {
        st = store_program(s, slot, 0, blob, len);
    }
    if (st == VIGIL_OK) {
        st = store_finish(s, slot, len, false);
    }
    return st;
}
