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
    VIGIL_ERR_VERSION = -6,  /* unsupported protocol version */
    VIGIL_ERR_PAYLOAD = -7,  /* message payload shorter than its minimum or inconsistent */
    VIGIL_ERR_IO = -8,       /* the board could not move the bytes (e.g. nobody reading) */
} vigil_status_t;

#if defined(__GNUC__)
#define VIGIL_NODISCARD __attribute__((warn_unused_result))
#else
#define VIGIL_NODISCARD
#endif

#endif /* VIGIL_STATUS_H */
