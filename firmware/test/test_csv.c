#define _GNU_SOURCE /* mkstemp */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../boards/host/csv.h"

static char g_path[64];
static csv_reader_t g_r;

/* Writes text to a fresh temporary file; g_path names it. */
static void write_file(const char *text)
{
    strcpy(g_path, "/tmp/vigil-test-csv-XXXXXX");
    int fd = mkstemp(g_path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static int teardown(void **state)
{
    (void)state;
    csv_close(&g_r);
    unlink(g_path);
    return 0;
}

static void reads_rows_and_rewinds(void **state)
{
    (void)state;
    write_file("DE_accel,FE_accel\n0.5,-1e-3\r\n\n 2 , 3\n");
    assert_int_equal(csv_open(&g_r, g_path, NULL), VIGIL_OK);
    assert_int_equal(g_r.n_selected, 2);
    assert_string_equal(g_r.names[0], "DE_accel");
    assert_string_equal(g_r.names[1], "FE_accel");
    float v[3];
    assert_int_equal(csv_read_row(&g_r, v), 1);
    assert_true(v[0] == 0.5f && v[1] == strtof("-1e-3", NULL));
    assert_int_equal(csv_read_row(&g_r, v), 1); /* the blank line is skipped */
    assert_true(v[0] == 2.0f && v[1] == 3.0f);
    assert_int_equal(csv_read_row(&g_r, v), 0);
    assert_int_equal(csv_rewind(&g_r), VIGIL_OK);
    assert_int_equal(csv_read_row(&g_r, v), 1);
    assert_true(v[0] == 0.5f);
}

static void selects_columns_by_name(void **state)
{
    (void)state;
    write_file("a,b,c,d\n1,2,3,4\n");
    assert_int_equal(csv_open(&g_r, g_path, "d,b"), VIGIL_OK);
    assert_int_equal(g_r.n_selected, 2);
    float v[3];
    assert_int_equal(csv_read_row(&g_r, v), 1);
    assert_true(v[0] == 4.0f && v[1] == 2.0f);
    csv_close(&g_r);
    assert_int_equal(csv_open(&g_r, g_path, NULL), VIGIL_OK);
    assert_int_equal(g_r.n_selected, 3); /* the first up to 3 columns */
}

/* Each bad input gives a message naming the file and the line. */
static void expect_error(const char *text, const char *columns, const char *line_and_msg)
{
    write_file(text);
    float v[3];
    vigil_status_t st = csv_open(&g_r, g_path, columns);
    int row = 1;
    while (st == VIGIL_OK && row == 1) {
        row = csv_read_row(&g_r, v);
    }
    assert_true(st != VIGIL_OK || row < 0);
    char expect[256];
    snprintf(expect, sizeof expect, "%s:%s", g_path, line_and_msg);
    if (strstr(g_r.error, expect) == NULL) {
        fail_msg("error '%s' does not contain '%s'", g_r.error, expect);
    }
    csv_close(&g_r);
    unlink(g_path);
}

static void bad_input_names_file_and_line(void **state)
{
    (void)state;
    expect_error("", NULL, "1: empty file");
    expect_error("a,b\n1,2\n3\n", NULL, "3: expected 2 columns as in the header, found 1");
    expect_error("a,b\n1,2\n3,4,5\n", NULL, "3: expected 2 columns");
    expect_error("a,b\n1,x\n", NULL, "2: column 'b': 'x' is not a number");
    expect_error("a,b\n1,2x\n", NULL, "2: column 'b': '2x' is not a number");
    expect_error("a,b\n1,\n", NULL, "2: column 'b': '' is not a number");
    expect_error("a,b\n1,2\nnan,2\n", NULL, "3: column 'a': 'nan' is not a finite number");
    expect_error("a,b\ninf,2\n", NULL, "2: column 'a': 'inf' is not a finite number");
    expect_error("a,b\n1e39,2\n", NULL, "2: column 'a': '1e39' is not a finite number");
    expect_error("a,b\n1,2\n", "a,zz", "1: no column named 'zz' in the header");
    expect_error("a,,b\n1,2,3\n", NULL, "1: header column 2 has no name");
    expect_error("a,b\n", NULL, "1: no data rows after the header");
    expect_error("a,b,c,d\n1,2,3,4\n", "a,b,c,d", "1: --columns names more than 3 columns");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(reads_rows_and_rewinds, teardown),
        cmocka_unit_test_teardown(selects_columns_by_name, teardown),
        cmocka_unit_test_teardown(bad_input_names_file_and_line, teardown),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
