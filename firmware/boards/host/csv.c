#include "csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CSV_FIELDS_MAX 256u /* header columns we can index; more is refused, not truncated */

static vigil_status_t fail(csv_reader_t *r, const char *fmt, ...)
{
    /* file:line: what, as compilers print it; no line number before the first line is read */
    int n = r->line > 0 ? snprintf(r->error, sizeof r->error, "%s:%lu: ", r->path, r->line)
                        : snprintf(r->error, sizeof r->error, "%s: ", r->path);
    if (n < 0 || (size_t)n >= sizeof r->error) {
        return VIGIL_ERR_PAYLOAD; /* a path this long keeps its (truncated) prefix only */
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error + n, sizeof r->error - (size_t)n, fmt, ap);
    va_end(ap);
    return VIGIL_ERR_PAYLOAD;
}

/* Reads one line into r->buf without its line ending. 1 = line, 0 = EOF, <0 = error. */
static int read_line(csv_reader_t *r)
{
    if (fgets(r->buf, (int)sizeof r->buf, r->f) == NULL) {
        if (ferror(r->f)) {
            return fail(r, "read error: %s", strerror(errno));
        }
        return 0;
    }
    r->line++;
    size_t n = strlen(r->buf);
    if (n > 0 && r->buf[n - 1] == '\n') {
        r->buf[--n] = '\0';
    } else if (!feof(r->f)) {
        return fail(r, "line longer than %u bytes", CSV_LINE_MAX);
    }
    if (n > 0 && r->buf[n - 1] == '\r') {
        r->buf[--n] = '\0'; /* CRLF files */
    }
    return 1;
}

/* Splits r->buf in place at commas. Returns the field count, or 0 if there are too many. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max) {
            return 0;
        }
        fields[n++] = p;
        char *comma = strchr(p, ',');
        if (comma == NULL) {
            return n;
        }
        *comma = '\0';
        p = comma + 1;
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

static vigil_status_t select_column(csv_reader_t *r, char **fields, const char *name)
{
    if (r->n_selected == CSV_SELECT_MAX) {
        return fail(r, "more than %u columns selected", CSV_SELECT_MAX);
    }
    for (size_t i = 0; i < r->n_fields; i++) {
        if (strcmp(fields[i], name) == 0) {
            size_t k = r->n_selected++;
            r->selected[k] = i;
            snprintf(r->names[k], sizeof r->names[k], "%s", name);
            return VIGIL_OK;
        }
    }
    return fail(r, "no column named '%s' in the header", name);
}

vigil_status_t csv_open(csv_reader_t *r, const char *path, const char *columns)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "r");
    if (r->f == NULL) {
        return fail(r, "cannot open: %s", strerror(errno));
    }
    int got = read_line(r);
    if (got < 0) {
        return (vigil_status_t)got;
    }
    if (got == 0 || trim(r->buf)[0] == '\0') {
        r->line = 1;
        return fail(r, "empty file: expected a header row of column names");
    }
    char *fields[CSV_FIELDS_MAX];
    r->n_fields = split(r->buf, fields, CSV_FIELDS_MAX);
    if (r->n_fields == 0) {
        return fail(r, "more than %u columns in the header", CSV_FIELDS_MAX);
    }
    for (size_t i = 0; i < r->n_fields; i++) {
        fields[i] = trim(fields[i]);
        if (fields[i][0] == '\0') {
            return fail(r, "header column %zu has no name", i + 1);
        }
        if (strlen(fields[i]) > CSV_NAME_MAX) {
            return fail(r, "header column %zu is longer than %u bytes", i + 1, CSV_NAME_MAX);
        }
    }
    if (columns == NULL) {
        for (size_t i = 0; i < r->n_fields && i < CSV_SELECT_MAX; i++) {
            vigil_status_t st = select_column(r, fields, fields[i]);
            if (st != VIGIL_OK) {
                return st;
            }
        }
    } else {
        char list[CSV_LINE_MAX];
        snprintf(list, sizeof list, "%s", columns);
        char *wanted[CSV_SELECT_MAX + 1];
        size_t n = split(list, wanted, CSV_SELECT_MAX + 1);
        if (n == 0 || n > CSV_SELECT_MAX) {
            return fail(r, "--columns names more than %u columns", CSV_SELECT_MAX);
        }
        for (size_t k = 0; k < n; k++) {
            vigil_status_t st = select_column(r, fields, trim(wanted[k]));
            if (st != VIGIL_OK) {
                return st;
            }
        }
    }
    r->data_offset = ftell(r->f);
    if (r->data_offset < 0) {
        return fail(r, "cannot tell the file position: %s", strerror(errno));
    }
    return VIGIL_OK;
}

int csv_read_row(csv_reader_t *r, float *out)
{
    for (;;) {
        int got = read_line(r);
        if (got < 0) {
            return got;
        }
        if (got == 0) {
            if (r->rows == 0) {
                return fail(r, "no data rows after the header");
            }
            return 0;
        }
        if (trim(r->buf)[0] != '\0') {
            break;
        }
    }
    char *fields[CSV_FIELDS_MAX];
    size_t n = split(r->buf, fields, CSV_FIELDS_MAX);
    if (n != r->n_fields) {
        return fail(r, "expected %zu columns as in the header, found %s%zu", r->n_fields,
                    n == 0 ? "more than " : "", n == 0 ? (size_t)CSV_FIELDS_MAX : n);
    }
    for (size_t k = 0; k < r->n_selected; k++) {
        char *text = trim(fields[r->selected[k]]);
        char *end = NULL;
        errno = 0;
        float v = strtof(text, &end);
        if (text[0] == '\0' || end == text || *end != '\0') {
            return fail(r, "column '%s': '%s' is not a number", r->names[k], text);
        }
        if (!isfinite(v)) {
            /* Also catches values beyond float range (strtof returns inf with ERANGE). */
            return fail(r, "column '%s': '%s' is not a finite number", r->names[k], text);
        }
        out[k] = v;
    }
    r->rows++;
    return 1;
}

vigil_status_t csv_rewind(csv_reader_t *r)
{
    if (fseek(r->f, r->data_offset, SEEK_SET) != 0) {
        return fail(r, "cannot rewind: %s", strerror(errno));
    }
    r->line = 1;
    return VIGIL_OK;
}

void csv_close(csv_reader_t *r)
{
    if (r->f != NULL) {
        fclose(r->f);
        r->f = NULL;
    }
}
