/*
 * Streaming reader for vibration recordings: a header row of column names, then one row of numbers
 * per sample (e.g. data/demo/cwru_*.csv: "DE_accel,FE_accel", g). Reads line by line into a fixed
 * buffer; the file is never loaded whole. Errors leave a message naming the file and line in
 * reader->error.
 */
#ifndef HOST_CSV_H
#define HOST_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "../../src/status.h"

#define CSV_LINE_MAX 1024u    /* longest accepted line, newline included */
#define CSV_SELECT_MAX 3u     /* columns that can be selected (the node has up to 3 axes) */
#define CSV_NAME_MAX 64u      /* longest column name */

typedef struct {
    FILE *f;
    const char *path;
    unsigned long line;       /* number of the last line read; the header is line 1 */
    unsigned long rows;       /* data rows read since open (rewinds included) */
    long data_offset;         /* file offset of the first data row, for csv_rewind */
    size_t n_fields;          /* columns in the header */
    size_t n_selected;
    size_t selected[CSV_SELECT_MAX];                /* field index of each selected column */
    char names[CSV_SELECT_MAX][CSV_NAME_MAX + 1];   /* their header names */
    char buf[CSV_LINE_MAX + 1];
    char error[CSV_LINE_MAX + 256];
} csv_reader_t;

/*
 * Opens path and reads the header. columns is a comma-separated list of header names to select
 * in that order, or NULL for the first up to CSV_SELECT_MAX columns.
 */
VIGIL_NODISCARD vigil_status_t csv_open(csv_reader_t *r, const char *path, const char *columns);

/*
 * Reads the next data row's selected values into out[0 .. n_selected). Returns 1 for a row, 0 at
 * end of file, a negative status on bad input (message in r->error). Blank lines are skipped.
 */
VIGIL_NODISCARD int csv_read_row(csv_reader_t *r, float *out);

/* Goes back to the first data row. */
VIGIL_NODISCARD vigil_status_t csv_rewind(csv_reader_t *r);

void csv_close(csv_reader_t *r);

#endif /* HOST_CSV_H */
