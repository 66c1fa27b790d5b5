#include "baseline_store.h"

#include "../proto/crc32.h"
#include "../proto/le.h"

/* Slot s's record, when intact. */
static vigil_status_t slot_record(const store_flash_t *f, uint32_t s, blstore_record_t *r)
{
    const uint8_t *p = f->read(f, s);
    if (p == NULL || proto_get_u32le(p) != BLSTORE_MAGIC) {
        return VIGIL_ERR_EMPTY;
    }
    r->seq = proto_get_u32le(p + 4);
    r->kind = proto_get_u32le(p + 8);
    r->learn_windows = proto_get_u32le(p + 12);
    r->store_seq = proto_get_u32le(p + 16);
    r->len = proto_get_u32le(p + 20);
    r->image = p + BLSTORE_HEADER_LEN;
    if (r->len > f->slot_size - BLSTORE_HEADER_LEN ||
        proto_crc32_update_u8(proto_crc32_update_u8(0xFFFFFFFFu, p + 4, 20), r->image, r->len) !=
            ~proto_get_u32le(p + 24) ||
        (r->kind != BLSTORE_LEARN && r->kind != BLSTORE_LEARNED)) {
        return VIGIL_ERR_CRC;
    }
    return VIGIL_OK;
}

/* The slot of the newest record (-1: none) into *newest, the record into *r. */
static int newest(const store_flash_t *f, blstore_record_t *r)
{
    int best = -1;
    for (uint32_t s = 0; s < STORE_SLOTS; s++) {
        blstore_record_t c;
        if (slot_record(f, s, &c) == VIGIL_OK && (best < 0 || c.seq > r->seq)) {
            *r = c;
            best = (int)s;
        }
    }
    return best;
}

vigil_status_t blstore_read(const store_flash_t *f, blstore_record_t *rec)
{
    return newest(f, rec) < 0 ? VIGIL_ERR_EMPTY : VIGIL_OK;
}

vigil_status_t blstore_write(const store_flash_t *f, const blstore_record_t *rec)
{
    if (rec->len > f->slot_size - BLSTORE_HEADER_LEN || (rec->len & 3u)) {
        return VIGIL_ERR_LIMIT;
    }
    blstore_record_t cur;
    const int at = newest(f, &cur);
    const uint32_t slot = at == 0 ? 1u : 0u;
    uint8_t h[BLSTORE_HEADER_LEN];
    proto_put_u32le(h, BLSTORE_MAGIC);
    proto_put_u32le(h + 4, at < 0 ? 1u : cur.seq + 1u);
    proto_put_u32le(h + 8, rec->kind);
    proto_put_u32le(h + 12, rec->learn_windows);
    proto_put_u32le(h + 16, rec->store_seq);
    proto_put_u32le(h + 20, rec->len);
    proto_put_u32le(h + 24, ~proto_crc32_update_u8(proto_crc32_update_u8(0xFFFFFFFFu, h + 4, 20), rec->image, rec->len));
    vigil_status_t st = f->erase(f, slot);
    if (st == VIGIL_OK && rec->len > 0) {
        st = f->program(f, slot, BLSTORE_HEADER_LEN, rec->image, rec->len);
    }
    if (st == VIGIL_OK) {
        st = f->program(f, slot, 4, h + 4, BLSTORE_HEADER_LEN - 4u);
    }
    if (st == VIGIL_OK) {
        st = f->program(f, slot, 0, h, 4);
    }
    return st == VIGIL_OK ? VIGIL_OK : VIGIL_ERR_FLASH;
}
