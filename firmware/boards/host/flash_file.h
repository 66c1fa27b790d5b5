/*
 * A store_flash_t backed by a file, for the virtual node: the model store survives restarts. The
 * file holds both slots (2 x slot_size bytes, erased = 0xFF); a RAM mirror serves reads, and every
 * erase and program is written through and fsync'ed before it returns, so a killed process leaves
 * the file as a flash would be after a power cut at the same point.
 */
#ifndef HOST_FLASH_FILE_H
#define HOST_FLASH_FILE_H

#include "../../src/store/flash.h"

#define FLASH_FILE_SLOT_SIZE 16384u

typedef struct {
    int fd;
    _Alignas(4) uint8_t mirror[2 * FLASH_FILE_SLOT_SIZE];
} flash_file_t;

/* Opens (or creates, erased) path. VIGIL_ERR_IO with errno set when the file cannot be used; a
 * file of another size is refused rather than reinterpreted. */
VIGIL_NODISCARD vigil_status_t flash_file_open(store_flash_t *f, flash_file_t *ff, const char *path);
void flash_file_close(flash_file_t *ff);

#endif /* HOST_FLASH_FILE_H */
