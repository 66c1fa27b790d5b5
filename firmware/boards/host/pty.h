/*
 * The virtual node's "serial port": a pseudo-terminal whose slave side the app opens like a UART.
 *
 * Writes never block the replay. A frame that cannot be written at all is dropped (a real UART with
 * nobody listening loses bytes too); the tail of a partly written frame is kept and sent first when
 * the pty drains, so the receiver never sees half a frame followed by the next one.
 */
#ifndef HOST_PTY_H
#define HOST_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/status.h"

#define PTY_PENDING_MAX 2048u /* larger than any frame the node sends */

typedef struct {
    int master;               /* non-blocking; the node reads and writes here */
    int slave;                /* held open in raw mode, see pty_open */
    char slave_path[128];
    const char *link_path;    /* symlink to slave_path, or NULL */
    uint8_t pending[PTY_PENDING_MAX];
    size_t pending_off;
    size_t pending_len;
} pty_t;

/*
 * Opens the pty pair, sets raw mode, and creates link_path -> slave path when link_path is not
 * NULL (replacing a stale symlink, refusing to replace anything else). On error, a message is
 * printed to stderr.
 */
VIGIL_NODISCARD vigil_status_t pty_open(pty_t *p, const char *link_path);

/* Sends bytes whole or not at all (VIGIL_ERR_IO: dropped); never blocks. */
VIGIL_NODISCARD vigil_status_t pty_write(pty_t *p, const uint8_t *data, size_t len);

/* True while the tail of a partly written frame waits for the pty to drain (poll for POLLOUT). */
bool pty_has_pending(const pty_t *p);

/* Tries to write the pending tail. */
void pty_flush_pending(pty_t *p);

/* Points link_path at this pty's slave atomically (a temporary symlink renamed over it). */
VIGIL_NODISCARD vigil_status_t pty_relink(pty_t *p, const char *link_path);

/* Closes both sides and removes the symlink if it still points at this pty. */
void pty_close(pty_t *p);

#endif /* HOST_PTY_H */
