/*
 * The built-in model (docs/model-format.md §4): generated into default_model.c by
 * scripts/gen-default-model.ts (npm run generate), trained on the shipped CWRU normal excerpt,
 * tagged under the unpaired (all-zero) key. The node runs it when its store holds no valid model
 * and its feature specification matches the node's.
 */
#ifndef NN_DEFAULT_MODEL_H
#define NN_DEFAULT_MODEL_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t nn_default_model_blob[];
extern const size_t nn_default_model_len;

#endif /* NN_DEFAULT_MODEL_H */
