#include "node_io.h"

#include "uptime.h"

vigil_status_t usart_write_cb(void *ctx, const uint8_t *data, size_t len)
{
    usart_write((unsigned)(uintptr_t)ctx, data, len);
    return VIGIL_OK;
}

uint64_t uptime_cb(void *ctx)
{
    (void)ctx;
    return uptime_us();
}
