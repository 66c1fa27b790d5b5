#define _GNU_SOURCE /* posix_openpt, ptsname, cfmakeraw */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static vigil_status_t fail(pty_t *p, const char *what)
{
    fprintf(stderr, "vigil-node: %s: %s\n", what, strerror(errno));
    pty_close(p);
    return VIGIL_ERR_IO;
}

static vigil_status_t make_link(pty_t *p, const char *link_path)
{
    struct stat st;
    if (lstat(link_path, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            fprintf(stderr, "vigil-node: --link %s exists and is not a symlink; not replacing it\n",
                    link_path);
            pty_close(p);
            return VIGIL_ERR_ARG;
        }
    }
    /* A stale link from a run that was killed is replaced in one step (pty_relink). */
    if (pty_relink(p, link_path) != VIGIL_OK) {
        return fail(p, "cannot create the --link symlink");
    }
    return VIGIL_OK;
}

vigil_status_t pty_relink(pty_t *p, const char *link_path)
{
    /* symlink to a temporary name beside it, then rename over the link: a reader of link_path sees
     * the old target or the new one, never nothing (rename(2) is atomic). */
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", link_path, (long)getpid()) >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return VIGIL_ERR_IO;
    }
    (void)unlink(tmp);
    if (symlink(p->slave_path, tmp) != 0) {
        return VIGIL_ERR_IO;
    }
    if (rename(tmp, link_path) != 0) {
        (void)unlink(tmp);
        return VIGIL_ERR_IO;
    }
    p->link_path = link_path;
    return VIGIL_OK;
}

vigil_status_t pty_open(pty_t *p, const char *link_path)
{
    memset(p, 0, sizeof *p);
    p->slave = -1;
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (p->master < 0) {
        return fail(p, "posix_openpt");
    }
    if (grantpt(p->master) != 0 || unlockpt(p->master) != 0) {
        return fail(p, "grantpt/unlockpt");
    }
    const char *name = ptsname(p->master);
    if (name == NULL || strlen(name) >= sizeof p->slave_path) {
        return fail(p, "ptsname");
    }
    strcpy(p->slave_path, name);

    /*
     * Keep the slave open ourselves: while any process holds it, reads on the master do not fail
     * with EIO when the app closes the port. And set it raw: the line discipline's default ECHO
     * would send the node's own frames back to it, and ICRNL/OPOST would rewrite 0x0D/0x0A bytes.
     */
    p->slave = open(p->slave_path, O_RDWR | O_NOCTTY);
    if (p->slave < 0) {
        return fail(p, "open pty slave");
    }
    struct termios tio;
    if (tcgetattr(p->slave, &tio) != 0) {
        return fail(p, "tcgetattr");
    }
    cfmakeraw(&tio);
    if (tcsetattr(p->slave, TCSANOW, &tio) != 0) {
        return fail(p, "tcsetattr");
    }
    /* Packet mode: a read on the master then says when the reader flushed its input (see pty.h). */
    int one = 1;
    if (ioctl(p->master, TIOCPKT, &one) != 0) {
        return fail(p, "set pty packet mode");
    }
    int flags = fcntl(p->master, F_GETFL);
    if (flags < 0 || fcntl(p->master, F_SETFL, flags | O_NONBLOCK) != 0) {
        return fail(p, "set pty master non-blocking");
    }
    if (link_path != NULL) {
        return make_link(p, link_path);
    }
    return VIGIL_OK;
}

/* A packet-mode status byte from the master: the first flush of the reader's input is noted, with
 * whether the frames before it are known exactly (nothing was waiting in tx, no write under way). */
static void note_status(pty_t *p, uint8_t status, bool mid_write)
{
    if ((status & TIOCPKT_FLUSHREAD) != 0 && !p->input_flushed) {
        p->input_flushed = true;
        p->flush_exact = !mid_write && p->tx_len == 0;
        p->flush_mid_write = mid_write;
        p->flush_waiting = p->tx_len;
    }
}

/* Takes a pending status (POLLPRI on a packet-mode master) without reading any data. */
static void take_status(pty_t *p, bool mid_write)
{
    struct pollfd f = {.fd = p->master, .events = POLLPRI};
    if (poll(&f, 1, 0) == 1 && (f.revents & POLLPRI) != 0) {
        uint8_t status = 0;
        if (read(p->master, &status, 1) == 1) { /* a status read is this one byte alone */
            note_status(p, status, mid_write);
        }
    }
}

/* Every write to the master: a flush before it is noted as before, one seen only after it as
 * under way (which bytes it took cannot be told). */
static ssize_t master_write(pty_t *p, const uint8_t *data, size_t len)
{
    if (!p->input_flushed) {
        take_status(p, false);
    }
    ssize_t n = write(p->master, data, len);
    if (!p->input_flushed) {
        take_status(p, true);
    }
    return n;
}

size_t pty_read(pty_t *p, uint8_t *out)
{
    uint8_t buf[PTY_READ_MAX + 1u]; /* the packet's header byte, then the data */
    ssize_t n = read(p->master, buf, sizeof buf);
    if (n <= 0) {
        return 0;
    }
    if (buf[0] != TIOCPKT_DATA) {
        note_status(p, buf[0], false);
        return 0;
    }
    memcpy(out, buf + 1, (size_t)n - 1u);
    return (size_t)n - 1u;
}

bool pty_has_pending(const pty_t *p)
{
    return p->tx_len > 0;
}

void pty_flush_pending(pty_t *p)
{
    while (p->tx_len > 0) {
        size_t run = PTY_TX_BUFFER - p->tx_head; /* contiguous bytes up to the ring's end */
        if (run > p->tx_len) {
            run = p->tx_len;
        }
        ssize_t n = master_write(p, p->tx + p->tx_head, run);
        if (n <= 0) {
            return; /* EAGAIN: try again on POLLOUT; other errors: the bytes wait */
        }
        p->tx_head = (p->tx_head + (size_t)n) % PTY_TX_BUFFER;
        p->tx_len -= (size_t)n;
    }
    p->tx_head = 0;
}

static void enqueue(pty_t *p, const uint8_t *data, size_t len)
{
    size_t tail = (p->tx_head + p->tx_len) % PTY_TX_BUFFER;
    size_t first = PTY_TX_BUFFER - tail;
    if (first > len) {
        first = len;
    }
    memcpy(p->tx + tail, data, first);
    memcpy(p->tx, data + first, len - first);
    p->tx_len += len;
    if (p->tx_len > p->tx_high) {
        p->tx_high = p->tx_len;
    }
}

vigil_status_t pty_write(pty_t *p, const uint8_t *data, size_t len)
{
    pty_flush_pending(p);
    if (len > PTY_TX_BUFFER - p->tx_len) {
        return VIGIL_ERR_IO; /* the backlog is full: this frame is dropped whole */
    }
    size_t done = 0;
    if (p->tx_len == 0) {
        ssize_t n = master_write(p, data, len);
        if (n > 0) {
            done = (size_t)n; /* else EAGAIN: nobody reading and the pty is full; all of it waits */
        }
    }
    if (done < len) {
        enqueue(p, data + done, len - done);
    }
    return VIGIL_OK;
}

void pty_close(pty_t *p)
{
    if (p->link_path != NULL) {
        /* Remove the link only if it is still ours: another node may have taken the name. */
        char target[sizeof p->slave_path];
        ssize_t n = readlink(p->link_path, target, sizeof target - 1);
        if (n >= 0) {
            target[n] = '\0';
            if (strcmp(target, p->slave_path) == 0) {
                (void)unlink(p->link_path);
            }
        }
        p->link_path = NULL;
    }
    if (p->slave >= 0) {
        close(p->slave);
        p->slave = -1;
    }
    if (p->master >= 0) {
        close(p->master);
        p->master = -1;
    }
}
