#define _GNU_SOURCE
#include "identity_file.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

size_t identity_file_load(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    const size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

vigil_status_t identity_file_save(const char *path, const uint8_t *rec, size_t len)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        return VIGIL_ERR_IO;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        return VIGIL_ERR_IO;
    }
    const int ok = fwrite(rec, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
        (void)unlink(tmp);
        return VIGIL_ERR_IO;
    }
    return VIGIL_OK;
}
