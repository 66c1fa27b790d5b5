/*
 * The virtual node's identity record (docs/protocol.md §4.3: pairing key, name, CONFIG values) in
 * a file next to its model store: --store FILE keeps it in FILE.identity. Writes are atomic: the
 * record goes to FILE.identity.tmp, is flushed to disk, then renamed over the old file, so a crash
 * leaves the old record or the new one.
 */
#ifndef HOST_IDENTITY_FILE_H
#define HOST_IDENTITY_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "../../src/status.h"

/* Reads up to cap bytes of path; returns how many (0: no file). */
size_t identity_file_load(const char *path, uint8_t *buf, size_t cap);

/* Replaces path with rec atomically (temporary file + fsync + rename). VIGIL_ERR_IO on failure. */
VIGIL_NODISCARD vigil_status_t identity_file_save(const char *path, const uint8_t *rec, size_t len);

#endif /* HOST_IDENTITY_FILE_H */
