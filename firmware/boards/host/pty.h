/*
 * The virtual node's "serial port": a pseudo-terminal whose slave side the app opens like a UART.
 *
 * Writes never block the replay. Like a real node's UART (or BLE) transmit buffer, each pty has an
 * output buffer of PTY_TX_BUFFER bytes: what the pty does not take now waits there, in order, and
 * is written when the pty drains (the node's loop polls for POLLOUT), so a reader that is not
 * scheduled for a while loses nothing while the backlog fits. A frame that does not fit whole is
 * dropped whole (the node counts it and says so in LOG 7): never half a frame.
 *
 * The master is in packet mode (TIOCPKT), so the node learns when the reader flushes its input, as
 * a serial port's open does (tcflush: what the kernel held for it before is thrown away). The first
 * such flush is the moment the port was opened; pty_first_flush tells whether the node can say
 * exactly which frames went before it.
 */
#ifndef HOST_PTY_H
#define HOST_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/status.h"

/*
 * 16 KiB: the DMA transmit ring a real STM32F405 node would give its UART (of 128 KiB SRAM), about
 * half a second of FEATURES with band energies (about 31 KB/s at 93.75 windows/s, 2 axes) and
 * 0.18 s of line time at 921,600 baud. The kernel's pty buffer (about 17 KB on Linux 6) comes on
 * top of it on the virtual node; a real UART has no such buffer (docs/architecture.md).
 */
#define PTY_TX_BUFFER 16384u

typedef struct {
    int master;               /* non-blocking; the node reads and writes here */
    int slave;                /* held open in raw mode, see pty_open */
    char slave_path[128];
    const char *link_path;    /* symlink to slave_path, or NULL */
    uint8_t tx[PTY_TX_BUFFER]; /* ring: tx_len bytes waiting from tx_head */
    size_t tx_head;
    size_t tx_len;
    size_t tx_high;            /* the most bytes ever waiting (reported at exit) */
    bool input_flushed;        /* the reader has flushed its input (opened the port) at least once */
    bool flush_exact;          /* at that first flush, nothing waited in tx and no write was under way */
    bool flush_mid_write;      /* ... else whether a write was under way */
    size_t flush_waiting;      /* ... and the bytes waiting in tx then */
} pty_t;

/* Largest read pty_read returns. */
#define PTY_READ_MAX 256u

/*
 * Opens the pty pair, sets raw mode, and creates link_path -> slave path when link_path is not
 * NULL (replacing a stale symlink, refusing to replace anything else). On error, a message is
 * printed to stderr.
 */
VIGIL_NODISCARD vigil_status_t pty_open(pty_t *p, const char *link_path);

/* Reads what the reader sent (at most PTY_READ_MAX bytes, into out): the data bytes, or 0 when
 * nothing came or the read was a status (a flush, noted in input_flushed). Never blocks. */
size_t pty_read(pty_t *p, uint8_t *out);

/* Sends bytes now or queues them behind what waits; VIGIL_ERR_IO (dropped whole) when they do not
 * fit in what is left of the buffer. Never blocks. */
VIGIL_NODISCARD vigil_status_t pty_write(pty_t *p, const uint8_t *data, size_t len);

/* True while bytes wait in the output buffer for the pty to drain (poll for POLLOUT). */
bool pty_has_pending(const pty_t *p);

/* Writes as much of the waiting bytes as the pty takes now. */
void pty_flush_pending(pty_t *p);

/* Points link_path at this pty's slave atomically (a temporary symlink renamed over it). */
VIGIL_NODISCARD vigil_status_t pty_relink(pty_t *p, const char *link_path);

/* Closes both sides and removes the symlink if it still points at this pty. */
void pty_close(pty_t *p);

#endif /* HOST_PTY_H */
