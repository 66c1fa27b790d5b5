/*
 * A store_flash_t that loses power after a given number of operations (the MCUboot habit), over a
 * RAM flash (store/flash_ram.c) whose memory the test owns. An erase cut short sets a random part
 * of the bits to 1; a program cut short writes a prefix of the words, then one word with only some
 * bits cleared; a clean cut (power lost just before the operation) changes nothing. After the cut
 * every operation fails. Shared by test_store.c and test_transfer.c.
 */
#ifndef TEST_FLASH_CUT_H
#define TEST_FLASH_CUT_H

#include <stdbool.h>
#include <string.h>

#include "../src/store/flash.h"
#include "test_util.h"

typedef struct {
    const store_flash_t *inner; /* a flash_ram over mem */
    uint8_t *mem;
    uint32_t slot_size;
    long ops_left; /* -1: never cut */
    bool clean;    /* the cut operation does not start */
    bool dead;
    uint32_t rng;
    long ops;
} flash_cut_t;

static vigil_status_t flash_cut_erase(const store_flash_t *f, uint32_t slot)
{
    flash_cut_t *c = f->ctx;
    c->ops++;
    if (c->dead) {
        return VIGIL_ERR_FLASH;
    }
    if (c->ops_left == 0) {
        uint8_t *p = c->mem + (size_t)slot * c->slot_size;
        for (size_t i = 0; i < c->slot_size && !c->clean; i++) {
            p[i] |= (uint8_t)test_rand_u32(&c->rng);
        }
        c->dead = true;
        return VIGIL_ERR_FLASH;
    }
    c->ops_left--;
    return c->inner->erase(c->inner, slot);
}

static vigil_status_t flash_cut_program(const store_flash_t *f, uint32_t slot, uint32_t offset, const uint8_t *data,
                                        size_t len)
{
    flash_cut_t *c = f->ctx;
    c->ops++;
    if (c->dead) {
        return VIGIL_ERR_FLASH;
    }
    if (c->ops_left == 0) {
        uint8_t *p = c->mem + (size_t)slot * c->slot_size + offset;
        const size_t words = len / 4;
        const size_t done = words && !c->clean ? test_rand_u32(&c->rng) % words : 0;
        memcpy(p, data, done * 4);
        for (size_t i = done * 4; i < done * 4 + 4 && i < len && !c->clean; i++) {
            p[i] &= (uint8_t)(data[i] | test_rand_u32(&c->rng));
        }
        c->dead = true;
        return VIGIL_ERR_FLASH;
    }
    c->ops_left--;
    return c->inner->program(c->inner, slot, offset, data, len);
}

static const uint8_t *flash_cut_read(const store_flash_t *f, uint32_t slot)
{
    const flash_cut_t *c = f->ctx;
    return c->inner->read(c->inner, slot);
}

/* Binds c over inner (a flash_ram on mem) to cut after ops_left operations (-1: never), the next
 * one cut short (clean: not started). */
static inline store_flash_t flash_cut_mode(flash_cut_t *c, const store_flash_t *inner, uint8_t *mem, long ops_left,
                                           bool clean)
{
    *c = (flash_cut_t){.inner = inner, .mem = mem, .slot_size = inner->slot_size, .ops_left = ops_left,
                       .clean = clean, .dead = false, .rng = 99u + (uint32_t)ops_left};
    return (store_flash_t){.erase = flash_cut_erase, .program = flash_cut_program, .read = flash_cut_read,
                           .slot_size = inner->slot_size, .ctx = c};
}

static inline store_flash_t flash_cut(flash_cut_t *c, const store_flash_t *inner, uint8_t *mem, long ops_left)
{
    return flash_cut_mode(c, inner, mem, ops_left, false);
}

#endif /* TEST_FLASH_CUT_H */
