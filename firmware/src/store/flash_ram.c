#include "flash_ram.h"

#include <string.h>

static vigil_status_t ram_erase(const store_flash_t *f, uint32_t slot)
{
    flash_ram_t *r = f->ctx;
    if (slot >= STORE_SLOTS) {
        return VIGIL_ERR_ARG;
    }
    memset(r->mem + (size_t)slot * f->slot_size, 0xFF, f->slot_size);
    r->erases++;
    return VIGIL_OK;
}

static vigil_status_t ram_program(const store_flash_t *f, uint32_t slot, uint32_t offset,
                                  const uint8_t *data, size_t len)
{
    flash_ram_t *r = f->ctx;
    if (slot >= STORE_SLOTS || (offset & 3u) || (len & 3u) || offset > f->slot_size ||
        len > f->slot_size - offset) {
        return VIGIL_ERR_ARG;
    }
    uint8_t *dst = r->mem + (size_t)slot * f->slot_size + offset;
    for (size_t i = 0; i < len; i++) {
        if (dst[i] != 0xFFu) {
            return VIGIL_ERR_FLASH; /* NOR flash: a programmed word must be erased first */
        }
    }
    memcpy(dst, data, len);
    r->programs++;
    return VIGIL_OK;
}

static const uint8_t *ram_read(const store_flash_t *f, uint32_t slot)
{
    const flash_ram_t *r = f->ctx;
    return slot < STORE_SLOTS ? r->mem + (size_t)slot * f->slot_size : NULL;
}

vigil_status_t flash_ram_init(store_flash_t *f, flash_ram_t *ram, uint8_t *mem, uint32_t slot_size)
{
    if (f == NULL || ram == NULL || mem == NULL || ((uintptr_t)mem & 3u) || (slot_size & 3u) ||
        slot_size < 64u) {
        return VIGIL_ERR_ARG;
    }
    ram->mem = mem;
    ram->erases = 0;
    ram->programs = 0;
    memset(mem, 0xFF, (size_t)STORE_SLOTS * slot_size);
    *f = (store_flash_t){.erase = ram_erase, .program = ram_program, .read = ram_read,
                         .slot_size = slot_size, .ctx = ram};
    return VIGIL_OK;
}
