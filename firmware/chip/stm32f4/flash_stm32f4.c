#include "flash_stm32f4.h"

#include <stdbool.h>

/* Flash interface registers (RM0090 §3.9, "Flash interface registers"). */
#define FLASH_BASE_R 0x40023C00u
#define FLASH_ACR (*(volatile uint32_t *)(FLASH_BASE_R + 0x00u))
#define FLASH_KEYR (*(volatile uint32_t *)(FLASH_BASE_R + 0x04u))
#define FLASH_SR (*(volatile uint32_t *)(FLASH_BASE_R + 0x0Cu))
#define FLASH_CR (*(volatile uint32_t *)(FLASH_BASE_R + 0x10u))

#define FLASH_KEY1 0x45670123u /* §3.5.1: the unlock sequence */
#define FLASH_KEY2 0xCDEF89ABu

#define SR_EOP (1u << 0)       /* §3.9.4 */
#define SR_OPERR (1u << 1)
#define SR_WRPERR (1u << 4)
#define SR_PGAERR (1u << 5)
#define SR_PGPERR (1u << 6)
#define SR_PGSERR (1u << 7)
#define SR_BSY (1u << 16)
#define SR_ERRORS (SR_OPERR | SR_WRPERR | SR_PGAERR | SR_PGPERR | SR_PGSERR)

#define CR_PG (1u << 0)        /* §3.9.5 */
#define CR_SER (1u << 1)
#define CR_SNB_SHIFT 3u
#define CR_PSIZE_X32 (2u << 8)
#define CR_STRT (1u << 16)
#define CR_LOCK (1u << 31)

#define ACR_DCEN (1u << 10)    /* §3.9.1: data cache enable / reset */
#define ACR_DCRST (1u << 12)

/* Per device (ctx): the slots' addresses, then their sectors. */
static const uint32_t k_model_slots[2 * STORE_SLOTS] = {FLASH_STM32F4_MODEL_SLOT0_ADDR, FLASH_STM32F4_MODEL_SLOT1_ADDR,
                                                       FLASH_STM32F4_MODEL_SLOT0_SECTOR, FLASH_STM32F4_MODEL_SLOT1_SECTOR};
static const uint32_t k_baseline_slots[2 * STORE_SLOTS] = {0x08040000u, 0x08060000u, 6u, 7u};

static void unlock(void)
{
    if (FLASH_CR & CR_LOCK) {
        FLASH_KEYR = FLASH_KEY1;
        FLASH_KEYR = FLASH_KEY2;
    }
}

static void lock(void)
{
    FLASH_CR |= CR_LOCK;
}

/* Waits for the operation to end; VIGIL_ERR_FLASH if an error flag is set (they are cleared by
 * writing 1, §3.9.4). */
static vigil_status_t wait_done(void)
{
    while (FLASH_SR & SR_BSY) {
    }
    const uint32_t sr = FLASH_SR;
    FLASH_SR = sr & (SR_ERRORS | SR_EOP);
    return (sr & SR_ERRORS) ? VIGIL_ERR_FLASH : VIGIL_OK;
}

/* Erases one sector and checks that its size bytes from addr read erased. */
static vigil_status_t erase_sector(uint32_t sector, uint32_t addr, uint32_t size)
{
    unlock();
    vigil_status_t st = wait_done(); /* §3.6.3: no operation may be ongoing */
    if (st == VIGIL_OK) {
        /* §3.6.3 "Sector Erase": SER, SNB, then STRT; BSY until done. */
        FLASH_CR = CR_PSIZE_X32 | CR_SER | (sector << CR_SNB_SHIFT);
        FLASH_CR |= CR_STRT;
        st = wait_done();
        FLASH_CR &= ~(CR_SER | (0xFu << CR_SNB_SHIFT));
    }
    /* Stale data-cache lines of the erased sector must go (§3.5.2, "ART accelerator"). */
    if (FLASH_ACR & ACR_DCEN) {
        FLASH_ACR &= ~ACR_DCEN;
        FLASH_ACR |= ACR_DCRST;
        FLASH_ACR &= ~ACR_DCRST;
        FLASH_ACR |= ACR_DCEN;
    }
    lock();
    /* Verify: every word erased. */
    const volatile uint32_t *p = (const volatile uint32_t *)addr;
    for (uint32_t i = 0; st == VIGIL_OK && i < size / 4u; i++) {
        if (p[i] != 0xFFFFFFFFu) {
            st = VIGIL_ERR_FLASH;
        }
    }
    return st;
}

/* Programs len bytes (a multiple of 4) at addr (4-aligned, erased), reading every word back. */
static vigil_status_t program_words(uint32_t addr, const uint8_t *data, size_t len)
{
    unlock();
    vigil_status_t st = wait_done();
    volatile uint32_t *dst = (volatile uint32_t *)addr;
    /* §3.6.4 "Programming": PG set, then each word written as one x32 access. */
    FLASH_CR = CR_PSIZE_X32 | CR_PG;
    for (size_t i = 0; st == VIGIL_OK && i < len / 4u; i++) {
        const uint32_t w = (uint32_t)data[4 * i] | ((uint32_t)data[4 * i + 1] << 8) |
                           ((uint32_t)data[4 * i + 2] << 16) | ((uint32_t)data[4 * i + 3] << 24);
        dst[i] = w;
        st = wait_done();
        if (st == VIGIL_OK && dst[i] != w) {
            st = VIGIL_ERR_FLASH; /* read back (§3.6.4 recommends it) */
        }
    }
    FLASH_CR &= ~CR_PG;
    lock();
    return st;
}

static vigil_status_t f4_erase(const store_flash_t *f, uint32_t slot)
{
    if (slot >= STORE_SLOTS) {
        return VIGIL_ERR_ARG;
    }
    const uint32_t *t = f->ctx;
    return erase_sector(t[STORE_SLOTS + slot], t[slot], f->slot_size);
}

static vigil_status_t f4_program(const store_flash_t *f, uint32_t slot, uint32_t offset, const uint8_t *data,
                                 size_t len)
{
    if (slot >= STORE_SLOTS || (offset & 3u) || (len & 3u) || offset > f->slot_size ||
        len > f->slot_size - offset) {
        return VIGIL_ERR_ARG;
    }
    const uint32_t *t = f->ctx;
    return program_words(t[slot] + offset, data, len);
}

static const uint8_t *f4_read(const store_flash_t *f, uint32_t slot)
{
    const uint32_t *t = f->ctx;
    return slot < STORE_SLOTS ? (const uint8_t *)t[slot] : 0;
}

void flash_stm32f4_init(store_flash_t *f)
{
    *f = (store_flash_t){.erase = f4_erase, .program = f4_program, .read = f4_read,
                         .slot_size = FLASH_STM32F4_SLOT_SIZE, .ctx = (void *)k_model_slots};
}

void flash_stm32f4_baseline_init(store_flash_t *f)
{
    *f = (store_flash_t){.erase = f4_erase, .program = f4_program, .read = f4_read,
                         .slot_size = FLASH_STM32F4_BASELINE_SLOT_SIZE, .ctx = (void *)k_baseline_slots};
}

/* ---- the identity record (sector 5) ---- */

#define REC_WORDS ((FLASH_STM32F4_RECORD_LEN + 3u) / 4u)

static bool erased(const uint32_t *w, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (w[i] != 0xFFFFFFFFu) {
            return false;
        }
    }
    return true;
}

const uint8_t *flash_stm32f4_identity_load(bool (*intact)(const uint8_t *rec))
{
    const uint32_t *base = (const uint32_t *)FLASH_STM32F4_IDENTITY_ADDR;
    const uint8_t *found = 0;
    for (uint32_t off = 0; off + REC_WORDS <= FLASH_STM32F4_IDENTITY_SIZE / 4u; off += REC_WORDS) {
        if (erased(&base[off], REC_WORDS)) {
            break; /* records are appended: the first erased one ends the log */
        }
        if (intact((const uint8_t *)&base[off])) {
            found = (const uint8_t *)&base[off]; /* a torn last write keeps the one before */
        }
    }
    return found;
}

vigil_status_t flash_stm32f4_identity_save(const uint8_t *rec, size_t len)
{
    if (len != FLASH_STM32F4_RECORD_LEN || (len & 3u)) {
        return VIGIL_ERR_ARG;
    }
    const uint32_t *base = (const uint32_t *)FLASH_STM32F4_IDENTITY_ADDR;
    uint32_t off = 0;
    while (off + REC_WORDS <= FLASH_STM32F4_IDENTITY_SIZE / 4u && !erased(&base[off], REC_WORDS)) {
        off += REC_WORDS;
    }
    if (off + REC_WORDS > FLASH_STM32F4_IDENTITY_SIZE / 4u) {
        /* The sector is full (1,560 records): erase it (about 1-2 s, the sensor FIFO overflows and
         * the stream restarts) and start again at its beginning. */
        const vigil_status_t st = erase_sector(FLASH_STM32F4_IDENTITY_SECTOR, FLASH_STM32F4_IDENTITY_ADDR,
                                               FLASH_STM32F4_IDENTITY_SIZE);
        if (st != VIGIL_OK) {
            return st;
        }
        off = 0;
    }
    return program_words(FLASH_STM32F4_IDENTITY_ADDR + 4u * off, rec, len);
}
