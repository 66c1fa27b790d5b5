#define _GNU_SOURCE /* pread, pwrite */
#include "flash_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static vigil_status_t write_through(flash_file_t *ff, size_t off, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(ff->fd, ff->mirror + off + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return VIGIL_ERR_FLASH;
        }
        done += (size_t)n;
    }
    return fsync(ff->fd) == 0 ? VIGIL_OK : VIGIL_ERR_FLASH;
}

static vigil_status_t file_erase(const store_flash_t *f, uint32_t slot)
{
    flash_file_t *ff = f->ctx;
    if (slot >= STORE_SLOTS) {
        return VIGIL_ERR_ARG;
    }
    memset(ff->mirror + (size_t)slot * f->slot_size, 0xFF, f->slot_size);
    return write_through(ff, (size_t)slot * f->slot_size, f->slot_size);
}

static vigil_status_t file_program(const store_flash_t *f, uint32_t slot, uint32_t offset, const uint8_t *data,
                                   size_t len)
{
    flash_file_t *ff = f->ctx;
    if (slot >= STORE_SLOTS || (offset & 3u) || (len & 3u) || offset > f->slot_size ||
        len > f->slot_size - offset) {
        return VIGIL_ERR_ARG;
    }
    uint8_t *dst = ff->mirror + (size_t)slot * f->slot_size + offset;
    for (size_t i = 0; i < len; i++) {
        if (dst[i] != 0xFFu) {
            return VIGIL_ERR_FLASH; /* the same NOR rule as the real flash */
        }
    }
    memcpy(dst, data, len);
    return write_through(ff, (size_t)slot * f->slot_size + offset, len);
}

static const uint8_t *file_read(const store_flash_t *f, uint32_t slot)
{
    const flash_file_t *ff = f->ctx;
    return slot < STORE_SLOTS ? ff->mirror + (size_t)slot * f->slot_size : NULL;
}

vigil_status_t flash_file_open(store_flash_t *f, flash_file_t *ff, const char *path)
{
    ff->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (ff->fd < 0) {
        return VIGIL_ERR_IO;
    }
    struct stat st;
    if (fstat(ff->fd, &st) != 0) {
        close(ff->fd);
        return VIGIL_ERR_IO;
    }
    *f = (store_flash_t){.erase = file_erase, .program = file_program, .read = file_read,
                         .slot_size = FLASH_FILE_SLOT_SIZE, .ctx = ff};
    if (st.st_size == 0) {
        memset(ff->mirror, 0xFF, sizeof ff->mirror);
        if (write_through(ff, 0, sizeof ff->mirror) != VIGIL_OK) {
            close(ff->fd);
            return VIGIL_ERR_IO;
        }
        return VIGIL_OK;
    }
    if (st.st_size != (off_t)sizeof ff->mirror ||
        pread(ff->fd, ff->mirror, sizeof ff->mirror, 0) != (ssize_t)sizeof ff->mirror) {
        close(ff->fd);
        errno = EINVAL;
        return VIGIL_ERR_IO;
    }
    return VIGIL_OK;
}

void flash_file_close(flash_file_t *ff)
{
    if (ff->fd >= 0) {
        close(ff->fd);
        ff->fd = -1;
    }
}
