/*
 * One status type for every firmware module: 0 is success, negative values are errors.
 * Functions that return it are marked VIGIL_NODISCARD so a dropped error is a compile error
 * under -Werror (the habit TFLite Micro's TfLiteStatus and MCUboot's fih_ret follow).
 */
#ifndef VIGIL_STATUS_H
#define VIGIL_STATUS_H

typedef enum {
    VIGIL_OK = 0,
    VIGIL_ERR_ARG = -1,      /* an argument is out of its documented range */
    VIGIL_ERR_NOSPACE = -2,  /* the caller's output buffer is too small */
    VIGIL_ERR_COBS = -3,     /* COBS code bytes do not land on the delimiter */
    VIGIL_ERR_LENGTH = -4,   /* frame shorter than header+CRC, or payload_len mismatch */
    VIGIL_ERR_CRC = -5,      /* CRC-32 mismatch */
    VIGIL_ERR_VERSION = -6,  /* unsupported protocol or model format version */
    VIGIL_ERR_PAYLOAD = -7,  /* message payload shorter than its minimum or inconsistent */
    VIGIL_ERR_IO = -8,       /* the board could not move the bytes (e.g. nobody reading) */
    /* model files (docs/model-format.md §2.8) and the model store */
    VIGIL_ERR_TRUNCATED = -9, /* fewer bytes than the header's total_len */
    VIGIL_ERR_MAGIC = -10,    /* not a Vigil model ("VGMD") */
    VIGIL_ERR_AUTH = -11,     /* HMAC-SHA256 tag mismatch: not signed with this node's key */
    VIGIL_ERR_INVALID = -12,  /* a field outside its documented range, or inconsistent offsets */
    VIGIL_ERR_SPEC = -13,     /* the model was built for other features, or names a missing axis */
    VIGIL_ERR_LIMIT = -14,    /* valid, but larger than this node's buffers */
    VIGIL_ERR_SELFTEST = -15, /* the model's self-test vector does not reproduce */
    VIGIL_ERR_ROLLBACK = -16, /* model version not newer than the active one */
    VIGIL_ERR_FLASH = -17,    /* flash erase/program failed or did not verify */
    VIGIL_ERR_EMPTY = -18,    /* nothing stored */
    VIGIL_ERR_SENSOR = -19,   /* the sensor did not answer as its datasheet says */
} vigil_status_t;

#if defined(__GNUC__)
#define VIGIL_NODISCARD __attribute__((warn_unused_result))
#else
#define VIGIL_NODISCARD
#endif

#endif /* VIGIL_STATUS_H */
