/*
 * What the node's acceptance test (node_accept_model) checks, for the tests and tools that run
 * models without a node: the blob parses (with its tag under key; NULL skips the tag), its feature
 * spec hash is spec_hash (NULL: any), and its self-test reproduces. Shared by test_store.c,
 * test_transfer.c and tools/ota_harness.c.
 */
#ifndef TEST_MODEL_CHECK_H
#define TEST_MODEL_CHECK_H

#include <string.h>

#include "../src/nn/infer.h"
#include "../src/nn/model.h"

static vigil_status_t model_check(const uint8_t *key, const uint8_t *spec_hash, const uint8_t *blob, size_t len)
{
    static nn_channel_t channels[512];
    static _Alignas(8) uint8_t scratch[2048];
    nn_model_t m;
    nn_net_t net;
    vigil_status_t st = nn_model_parse(&m, blob, len, key);
    if (st == VIGIL_OK && spec_hash != NULL && memcmp(m.spec_hash, spec_hash, 32) != 0) {
        st = VIGIL_ERR_SPEC;
    }
    if (st == VIGIL_OK) {
        st = nn_net_prepare(&net, &m, channels, sizeof channels / sizeof channels[0]);
    }
    if (st == VIGIL_OK) {
        st = nn_net_selftest(&net, scratch);
    }
    return st;
}

#endif /* TEST_MODEL_CHECK_H */
