/* SHA-256 against FIPS 180-4 / NIST CAVP examples, HMAC-SHA256 against RFC 4231 §4. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "../src/crypto/sha256.h"

static void unhex(const char *h, uint8_t *out, size_t *n)
{
    size_t k = 0;
    for (; h[2 * k] != '\0'; k++) {
        unsigned v;
        assert_int_equal(sscanf(&h[2 * k], "%2x", &v), 1);
        out[k] = (uint8_t)v;
    }
    *n = k;
}

static void expect_digest(const uint8_t *got, const char *want_hex)
{
    uint8_t want[64];
    size_t n;
    unhex(want_hex, want, &n);
    assert_int_equal(n, 32);
    assert_memory_equal(got, want, 32);
}

static void fips_180_4_examples(void **state)
{
    (void)state;
    uint8_t d[32];
    sha256((const uint8_t *)"abc", 3, d);
    expect_digest(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256((const uint8_t *)two, strlen(two), d);
    expect_digest(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha256(NULL, 0, d);
    expect_digest(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* One million 'a', fed in uneven pieces through the streaming interface. */
    static uint8_t a[1000];
    memset(a, 'a', sizeof a);
    sha256_t s;
    sha256_init(&s);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        n = n < sizeof a ? n : sizeof a;
        sha256_update(&s, a, n);
        done += n;
        step = step * 7 % 997 + 1;
    }
    sha256_final(&s, d);
    expect_digest(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* 55, 56 and 64 bytes: the padding boundaries. */
    sha256(a, 55, d);
    expect_digest(d, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    sha256(a, 56, d);
    expect_digest(d, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    sha256(a, 64, d);
    expect_digest(d, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

typedef struct {
    const char *key, *data, *mac;
    size_t mac_len; /* case 5 is truncated to 128 bits */
} hmac_case_t;

static void rfc_4231_cases(void **state)
{
    (void)state;
    static const hmac_case_t cases[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 32},
        {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 32},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 32},
        {"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
         "a3b6167473100ee06e0c796c2955552b", 16},
        {"AA131",
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 32},
        {"AA131",
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 32},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static uint8_t key[256], data[256], want[32];
        size_t key_len, data_len, want_len;
        if (strcmp(cases[i].key, "AA131") == 0) { /* cases 6 and 7: 131 bytes of 0xaa */
            memset(key, 0xaa, 131);
            key_len = 131;
        } else {
            unhex(cases[i].key, key, &key_len);
        }
        unhex(cases[i].data, data, &data_len);
        unhex(cases[i].mac, want, &want_len);
        uint8_t tag[32];
        hmac_sha256(key, key_len, data, data_len, tag);
        print_message("RFC 4231 test case %zu\n", i + 1);
        assert_memory_equal(tag, want, cases[i].mac_len);
    }
}

static void constant_time_compare(void **state)
{
    (void)state;
    uint8_t a[32] = {0}, b[32] = {0};
    assert_true(crypto_equal_ct(a, b, 32));
    b[31] = 1;
    assert_false(crypto_equal_ct(a, b, 32));
    b[31] = 0;
    b[0] = 0x80;
    assert_false(crypto_equal_ct(a, b, 32));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fips_180_4_examples),
        cmocka_unit_test(rfc_4231_cases),
        cmocka_unit_test(constant_time_compare),
    };
    return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
