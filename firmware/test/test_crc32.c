#include "test_util.h"

#include <string.h>

#include "../src/proto/crc32.h"

/* Check value of the CRC-32/ISO-HDLC catalogue entry (the zlib/802.3 CRC): protocol.md §1. */
static void check_value(void **state)
{
    (void)state;
    const char *s = "123456789";
    assert_int_equal(proto_crc32_u8((const uint8_t *)s, strlen(s)), 0xCBF43926u);
}

static void empty_is_zero(void **state)
{
    (void)state;
    assert_int_equal(proto_crc32_u8(NULL, 0), 0x00000000u);
}

/* Known answers from zlib's crc32(): "a" and the pangram. */
static void other_known_answers(void **state)
{
    (void)state;
    assert_int_equal(proto_crc32_u8((const uint8_t *)"a", 1), 0xE8B7BE43u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(proto_crc32_u8((const uint8_t *)fox, strlen(fox)), 0x414FA339u);
    const uint8_t zeros[4] = {0};
    assert_int_equal(proto_crc32_u8(zeros, sizeof zeros), 0x2144DF1Cu);
}

static void incremental_equals_one_shot(void **state)
{
    (void)state;
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 37u + 11u);
    }
    uint32_t whole = proto_crc32_u8(data, sizeof data);
    for (size_t split = 0; split <= sizeof data; split += 7) {
        uint32_t s = PROTO_CRC32_INIT;
        s = proto_crc32_update_u8(s, data, split);
        s = proto_crc32_update_u8(s, data + split, sizeof data - split);
        assert_int_equal(proto_crc32_final(s), whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_value),
        cmocka_unit_test(empty_is_zero),
        cmocka_unit_test(other_known_answers),
        cmocka_unit_test(incremental_equals_one_shot),
    };
    return cmocka_run_group_tests_name("crc32", tests, NULL, NULL);
}
