#include "flash_stm32f4.h"

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

static const uint32_t k_slot_addr[STORE_SLOTS] = {0x0800C000u, 0x08010000u};
static const uint32_t k_slot_sector[STORE_SLOTS] = {3u, 4u};

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

static vigil_status_t f4_erase(const store_flash_t *f, uint32_t slot)
{
    (void)f;
    if (slot >= STORE_SLOTS) {
        return VIGIL_ERR_ARG;
    }
    unlock();
    vigil_status_t st = wait_done(); /* §3.6.3: no operation may be ongoing */
    if (st == VIGIL_OK) {
        /* §3.6.3 "Sector Erase": SER, SNB, then STRT; BSY until done. */
        FLASH_CR = CR_PSIZE_X32 | CR_SER | (k_slot_sector[slot] << CR_SNB_SHIFT);
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
    const volatile uint32_t *p = (const volatile uint32_t *)k_slot_addr[slot];
    for (uint32_t i = 0; st == VIGIL_OK && i < f->slot_size / 4u; i++) {
        if (p[i] != 0xFFFFFFFFu) {
            st = VIGIL_ERR_FLASH;
        }
    }
    return st;
}

static vigil_status_t f4_program(const store_flash_t *f, uint32_t slot, uint32_t offset, const uint8_t *data,
                                 size_t len)
{
    if (slot >= STORE_SLOTS || (offset & 3u) || (len & 3u) || offset > f->slot_size ||
        len > f->slot_size - offset) {
        return VIGIL_ERR_ARG;
    }
    unlock();
    vigil_status_t st = wait_done();
    volatile uint32_t *dst = (volatile uint32_t *)(k_slot_addr[slot] + offset);
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

static const uint8_t *f4_read(const store_flash_t *f, uint32_t slot)
{
    (void)f;
    return slot < STORE_SLOTS ? (const uint8_t *)k_slot_addr[slot] : 0;
}

void flash_stm32f4_init(store_flash_t *f)
{
    *f = (store_flash_t){.erase = f4_erase, .program = f4_program, .read = f4_read,
                         .slot_size = FLASH_STM32F4_SLOT_SIZE, .ctx = 0};
}
