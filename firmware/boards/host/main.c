/*
 * vigil-node for the host: the "virtual node". The firmware's node core, fed from a recorded CSV at
 * the recording's real rate, talking the link protocol over a pseudo-terminal (or writing the wire
 * bytes to a file with --out, for parity tests against the QEMU build). With --ble-link a second
 * pseudo-terminal is the Bluetooth LE bridge link (docs/protocol.md §4.1).
 *
 * stdout lines (one each, flushed):  VIGIL-NODE PTY <path>       the wired link's pty (again after
 *                                                                 every re-plug)
 *                                    VIGIL-NODE BLE-PTY <path>   the BLE link's pty
 * SIGUSR1 = "the cable is pulled and put back": the wired pty is closed (the app's port fails), the
 * node keeps sampling (windows keep counting; their frames are lost), and after --unplug-ms a new
 * pty is opened, the --link symlink re-pointed at it atomically, and its PTY line printed again.
 * The identity record (pairing key, name, CONFIG values, §4.3) is kept in --store FILE.identity.
 */
#define _GNU_SOURCE /* getopt_long, ppoll */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../../src/nn/default_model.h"
#include "../../src/node/node.h"
#include "../../src/proto/le.h"
#include "../../src/store/store.h"
#include "../../src/version.h"
#include "csv.h"
#include "flash_file.h"
#include "identity_file.h"
#include "pty.h"

#define EXIT_USAGE 2 /* bad arguments or bad input data */
#define DRAIN_NS 500000000LL /* after the last frame, let the app read what is queued */

typedef struct {
    const char *csv;
    const char *columns;
    const char *name;
    const char *link;
    const char *ble_link;
    const char *out;
    unsigned long unplug_ms;
    unsigned long rate;
    unsigned long window;
    unsigned long hop;
    unsigned long max_rows; /* 0 = no limit */
    const char *store;      /* model store file, or NULL (no store: the built-in model) */
    const char *model;      /* a model file to install into the store, or NULL */
    int no_model;
    int no_bands;
    int loop;
    int fast;
    int exit_with_parent;
} options_t;

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_unplug; /* SIGUSR1: pull the cable, put it back */

static void on_signal(int sig)
{
    if (sig == SIGUSR1) {
        g_unplug = 1;
    } else {
        g_stop = 1;
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vigil-node --csv FILE --rate HZ [--columns NAME,NAME,...] [--window N] [--hop N]\n"
            "                  [--name NAME] [--loop] [--link PATH] [--fast] [--out FILE|-]\n"
            "                  [--max-rows N] [--store FILE] [--model FILE.vgm] [--no-model] [--no-bands]\n"
            "                  [--ble-link PATH] [--unplug-ms N] [--exit-with-parent]\n"
            "  --csv FILE      recording with a header row of column names (one sample per row)\n"
            "  --rate HZ       samples per second per column\n"
            "  --columns LIST  columns to stream, by header name (default: the first up to 3)\n"
            "  --window N      samples per feature window, a power of two 64..%u (default 1024)\n"
            "  --hop N         samples between windows, 1..window (default 512, or the window if shorter)\n"
            "  --name NAME     node name in HELLO, at most %u bytes (default virtual-node)\n"
            "  --loop          replay the file forever\n"
            "  --link PATH     also create a symlink PATH to the pty (removed on exit)\n"
            "  --ble-link PATH a second pty, the Bluetooth LE bridge link, and a symlink PATH to it\n"
            "  --unplug-ms N   after SIGUSR1 (cable pulled), the wired pty is back after N ms (default 1000)\n"
            "  --fast          do not pace the replay at the sample rate\n"
            "  --out FILE|-    no pty: write the wire bytes to FILE (or stdout), unpaced\n"
            "  --max-rows N    stop after N data rows\n"
            "  --store FILE    the node's model store (two slots; created if absent; survives restarts);\n"
            "                  the pairing key, name and configuration are kept in FILE.identity\n"
            "  --model FILE    install this model (docs/model-format.md) into the store, then run it\n"
            "  --no-model      features only: no anomaly score, no events\n"
            "  --no-bands      FEATURES without the log band energies\n"
            "  --exit-with-parent  stop when the process that started us dies (the app's demo nodes)\n",
            NODE_WINDOW_MAX, MSG_NAME_MAX);
}

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "vigil-node: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    usage(stderr);
    return EXIT_USAGE;
}

static int parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

/* Returns 0, or the exit code after printing what is wrong. */
static int parse_args(int argc, char **argv, options_t *o)
{
    static const struct option longopts[] = {
        {"csv", required_argument, NULL, 'c'},    {"rate", required_argument, NULL, 'r'},
        {"columns", required_argument, NULL, 'C'}, {"window", required_argument, NULL, 'w'},
        {"hop", required_argument, NULL, 'h'},    {"name", required_argument, NULL, 'n'},
        {"loop", no_argument, NULL, 'l'},         {"link", required_argument, NULL, 'L'},
        {"fast", no_argument, NULL, 'f'},         {"out", required_argument, NULL, 'o'},
        {"max-rows", required_argument, NULL, 'm'}, {"help", no_argument, NULL, '?' + 256},
        {"exit-with-parent", no_argument, NULL, 'P'}, {"store", required_argument, NULL, 's'},
        {"model", required_argument, NULL, 'M'},   {"no-model", no_argument, NULL, 'N'},
        {"no-bands", no_argument, NULL, 'B'},      {"ble-link", required_argument, NULL, 'b'},
        {"unplug-ms", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    const char *window_text = "1024";
    const char *hop_text = NULL;
    const char *rate_text = NULL;
    const char *max_rows_text = NULL;
    const char *unplug_text = "1000";
    memset(o, 0, sizeof *o);
    o->name = "virtual-node";
    opterr = 0; /* we print our own message */
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->csv = optarg; break;
        case 'r': rate_text = optarg; break;
        case 'C': o->columns = optarg; break;
        case 'w': window_text = optarg; break;
        case 'h': hop_text = optarg; break;
        case 'n': o->name = optarg; break;
        case 'l': o->loop = 1; break;
        case 'L': o->link = optarg; break;
        case 'f': o->fast = 1; break;
        case 'o': o->out = optarg; break;
        case 'm': max_rows_text = optarg; break;
        case 'P': o->exit_with_parent = 1; break;
        case 's': o->store = optarg; break;
        case 'M': o->model = optarg; break;
        case 'N': o->no_model = 1; break;
        case 'B': o->no_bands = 1; break;
        case 'b': o->ble_link = optarg; break;
        case 'u': unplug_text = optarg; break;
        case '?' + 256: usage(stdout); exit(0);
        default: return bad_usage("unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return bad_usage("unexpected argument: %s", argv[optind]);
    }
    if (o->csv == NULL) {
        return bad_usage("%s", "--csv FILE is required");
    }
    if (rate_text == NULL || parse_ulong(rate_text, 1, UINT32_MAX, &o->rate) != 0) {
        return bad_usage("--rate needs a whole number of samples per second, 1..4294967295 (got %s)",
                         rate_text ? rate_text : "nothing");
    }
    if (parse_ulong(window_text, 64, NODE_WINDOW_MAX, &o->window) != 0 || (o->window & (o->window - 1)) != 0) {
        return bad_usage("--window must be a power of two from 64 to 4096 (got %s)", window_text);
    }
    if (hop_text == NULL) {
        o->hop = o->window < 512 ? o->window : 512;
    } else if (parse_ulong(hop_text, 1, o->window, &o->hop) != 0) {
        return bad_usage("--hop must be a whole number from 1 to the window length (got %s)", hop_text);
    }
    if (max_rows_text != NULL && parse_ulong(max_rows_text, 1, ULONG_MAX, &o->max_rows) != 0) {
        return bad_usage("--max-rows must be a whole number >= 1 (got %s)", max_rows_text);
    }
    if (o->name[0] == '\0' || strlen(o->name) > MSG_NAME_MAX) {
        return bad_usage("--name must be 1 to 32 bytes (got '%s')", o->name);
    }
    if (parse_ulong(unplug_text, 0, 3600000ul, &o->unplug_ms) != 0) {
        return bad_usage("--unplug-ms must be a whole number of milliseconds, 0..3600000 (got %s)", unplug_text);
    }
    if (o->out != NULL && o->ble_link != NULL) {
        return bad_usage("%s", "--out and --ble-link exclude each other (--out opens no pty)");
    }
    if (o->out != NULL && o->link != NULL) {
        return bad_usage("%s", "--out and --link exclude each other (--out opens no pty)");
    }
    if (o->out != NULL && o->loop && o->max_rows == 0) {
        return bad_usage("%s", "--out with --loop never ends: add --max-rows N");
    }
    if (o->model != NULL && o->store == NULL) {
        return bad_usage("%s", "--model installs into a store: add --store FILE");
    }
    if (o->no_model && o->model != NULL) {
        return bad_usage("%s", "--no-model and --model exclude each other");
    }
    return 0;
}

/* 96-bit node id from the name: three FNV-1a 32-bit hashes, each salted by a leading index byte
 * (FNV: Fowler/Noll/Vo, draft-eastlake-fnv). Stable across runs and hosts. */
static void uid_from_name(const char *name, uint8_t uid[MSG_UID_LEN])
{
    for (uint32_t k = 0; k < MSG_UID_LEN / 4; k++) {
        uint32_t h = 2166136261u;
        h = (h ^ k) * 16777619u;
        for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
            h = (h ^ *p) * 16777619u;
        }
        for (uint32_t i = 0; i < 4; i++) {
            uid[4 * k + i] = (uint8_t)(h >> (8 * i));
        }
    }
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Time of sample number `rows` since the start, split so it cannot overflow for any row count. */
static int64_t rows_to_ns(uint64_t rows, uint32_t rate)
{
    return (int64_t)((rows / rate) * 1000000000ull + (rows % rate) * 1000000000ull / rate);
}

/* ---- wire sinks ---- */

typedef struct {
    pty_t pty;
    FILE *out;      /* --out mode, else NULL */
    int out_failed; /* errno of the first failed write to --out */
    int unplugged;  /* the wired pty is closed (SIGUSR1) until replug_ns */
    int64_t replug_ns;
    const char *link;
    pty_t ble;      /* --ble-link, ble.master >= 0 */
    const node_stats_t *stats;
    /* Frames the node had offered (FEATURES and RAW_BLOCK sent, frames refused) when the app's port
     * first opened on the wired pty (its open flushed what the kernel held): -1 before that, -2
     * when the node cannot tell exactly (see pty.h). */
    long long offered_before_open;
    /* The emulator's catch-up waits (wait_for_room): how many, and how long in all. */
    unsigned long catch_up_waits;
    int64_t catch_up_wait_ns;
} sink_t;

static uint32_t frames_offered(const node_stats_t *st)
{
    return st->features_sent + st->raw_blocks_sent + st->tx_dropped;
}

/* After a read or write on the wired pty: the first flush of its input, if it came, is noted with
 * the frames offered until then (`offered`: the count before the frame being written, if any). */
static void note_open(sink_t *s, uint32_t offered)
{
    if (s->offered_before_open == -1 && s->pty.input_flushed) {
        s->offered_before_open = s->pty.flush_exact ? (long long)offered : -2;
    }
}

static vigil_status_t sink_write(void *ctx, const uint8_t *data, size_t len)
{
    sink_t *s = ctx;
    if (s->out == NULL) {
        if (s->unplugged) {
            return VIGIL_ERR_IO; /* unplugged: lost */
        }
        const uint32_t before = frames_offered(s->stats); /* this frame is counted after the write */
        vigil_status_t st = pty_write(&s->pty, data, len);
        note_open(s, before);
        return st;
    }
    if (s->out_failed == 0 && fwrite(data, 1, len, s->out) != len) {
        s->out_failed = errno ? errno : EIO;
    }
    return s->out_failed ? VIGIL_ERR_IO : VIGIL_OK;
}

/* SIGUSR1: the cable is pulled. The wired pty goes away (the app's open port fails); the --link
 * symlink stays, dangling, until the replug points it at the new pty. */
static void unplug(sink_t *s, uint32_t unplug_ms)
{
    s->pty.link_path = NULL; /* keep the symlink: pty_relink replaces it in one step */
    pty_close(&s->pty);
    s->unplugged = 1;
    s->replug_ns = now_ns() + (int64_t)unplug_ms * 1000000LL;
    fprintf(stderr, "vigil-node: wired link unplugged (SIGUSR1), back in %u ms\n", (unsigned)unplug_ms);
}

/* The cable is back: a new pty, the symlink re-pointed atomically, its path on stdout. */
static void replug(sink_t *s)
{
    if (pty_open(&s->pty, NULL) != VIGIL_OK) {
        s->replug_ns = now_ns() + 200000000LL; /* try again */
        return;
    }
    if (s->link != NULL && pty_relink(&s->pty, s->link) != VIGIL_OK) {
        fprintf(stderr, "vigil-node: cannot re-point --link %s: %s\n", s->link, strerror(errno));
    }
    s->unplugged = 0;
    printf("VIGIL-NODE PTY %s\n", s->pty.slave_path);
    fflush(stdout);
}

static void read_link(pty_t *p, node_t *node, size_t link, short revents, struct timespec *ts)
{
    if (revents & (POLLIN | POLLPRI)) {
        uint8_t buf[PTY_READ_MAX];
        size_t n = pty_read(p, buf); /* 0: nothing, or the reader flushed its input (p->input_flushed) */
        if (n > 0) {
            node_rx_bytes(node, link, buf, n);
        }
    } else if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
        /* Not expected while we hold the slave open; sleep instead of spinning on it. */
        nanosleep(ts, NULL);
    }
    if (revents & POLLOUT) {
        pty_flush_pending(p);
    }
}

/* Waits until deadline_ns (or just polls once if deadline_ns <= now), answering host bytes on
 * both links and handling the unplug and the replug. */
static void service_pty(sink_t *s, node_t *node, int64_t deadline_ns, uint32_t unplug_ms)
{
    for (;;) {
        if (g_unplug) {
            g_unplug = 0;
            if (!s->unplugged) {
                unplug(s, unplug_ms);
            }
        }
        if (s->unplugged && now_ns() >= s->replug_ns) {
            replug(s);
        }
        struct pollfd pfd[2] = {{.fd = s->unplugged ? -1 : s->pty.master, .events = POLLIN},
                                {.fd = s->ble.master, .events = POLLIN}};
        if (!s->unplugged && pty_has_pending(&s->pty)) {
            pfd[0].events |= POLLOUT;
        }
        if (s->ble.master >= 0 && pty_has_pending(&s->ble)) {
            pfd[1].events |= POLLOUT;
        }
        int64_t until = deadline_ns;
        if (s->unplugged && s->replug_ns < until) {
            until = s->replug_ns;
        }
        int64_t left = until - now_ns();
        if (left < 0) {
            left = 0;
        }
        struct timespec ts = {.tv_sec = left / 1000000000LL, .tv_nsec = left % 1000000000LL};
        int r = ppoll(pfd, 2, &ts, NULL);
        if (r < 0) {
            if (errno == EINTR && !g_stop) {
                continue;
            }
            return;
        }
        if (g_stop) {
            return;
        }
        if (r == 0) {
            if (until < deadline_ns) {
                continue; /* the replug is due: the loop does it */
            }
            return; /* deadline reached */
        }
        if (pfd[0].fd >= 0) {
            read_link(&s->pty, node, NODE_LINK_WIRED, pfd[0].revents, &ts);
            note_open(s, frames_offered(s->stats));
        }
        if (pfd[1].fd >= 0) {
            read_link(&s->ble, node, NODE_LINK_BLE, pfd[1].revents, &ts);
        }
        if (left == 0) {
            return;
        }
    }
}

/* ---- the board's clock, randomness and identity record ---- */

static int64_t g_boot_ns;
static char g_identity_path[PATH_MAX];
static uint8_t g_identity[NODE_IDENTITY_LEN];

static uint64_t uptime_cb(void *ctx)
{
    (void)ctx;
    return (uint64_t)(now_ns() - g_boot_ns) / 1000u;
}

static void random_cb(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(out + got, len - got, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            fprintf(stderr, "vigil-node: getrandom: %s\n", strerror(errno));
            exit(1); /* no nonce is better than a predictable one */
        }
        got += (size_t)n;
    }
}

/* FILE.identity (boards/host/identity_file.h). */
static vigil_status_t save_identity_cb(void *ctx, const uint8_t *rec, size_t len)
{
    (void)ctx;
    return identity_file_save(g_identity_path, rec, len);
}

/* Reads FILE.identity if there is one; returns its length (0: none). */
static size_t load_identity(const char *store)
{
    if ((size_t)snprintf(g_identity_path, sizeof g_identity_path, "%s.identity", store) >= sizeof g_identity_path) {
        return 0;
    }
    const size_t n = identity_file_load(g_identity_path, g_identity, sizeof g_identity);
    return n == sizeof g_identity ? n : 0;
}

static node_t g_node; /* window buffers and scratch: static, not on the stack */
static store_flash_t g_flash;
static flash_file_t g_flash_file;
/* FILE.baseline: the node's own baseline record (store/baseline_store.h), beside the model store. */
static flash_file_t g_baseline_file;
static store_flash_t g_baseline_flash;

/* With --store FILE the learned baseline survives restarts in FILE.baseline; without, RAM only. */
static int open_baseline(const options_t *o)
{
    char path[PATH_MAX];
    if (o->store == NULL) {
        return 0;
    }
    if ((size_t)snprintf(path, sizeof path, "%s.baseline", o->store) >= sizeof path ||
        flash_file_open(&g_baseline_flash, &g_baseline_file, path) != VIGIL_OK) {
        fprintf(stderr, "vigil-node: cannot use %s.baseline: %s\n", o->store, strerror(errno));
        return 1;
    }
    g_node.bl_flash = &g_baseline_flash; /* the board's record, set before the baseline boots */
    return 0;
}
static store_t g_store;
static float g_chunk[NODE_WINDOW_MAX * NODE_AXES_MAX];

static vigil_status_t ble_write(void *ctx, const uint8_t *data, size_t len)
{
    sink_t *s = ctx;
    return pty_write(&s->ble, data, len);
}

/* Checks and applies the node configuration, before any port is opened. 0 or the exit code. */
static int configure_node(const options_t *o, const csv_reader_t *csv, sink_t *s)
{
    char channels[MSG_CHANNELS_MAX + 2] = "";
    size_t used = 0;
    for (size_t k = 0; k < csv->n_selected; k++) {
        int n = snprintf(channels + used, sizeof channels - used, "%s%s", k ? "," : "", csv->names[k]);
        used += (size_t)n;
        if (used > MSG_CHANNELS_MAX) {
            fprintf(stderr, "vigil-node: channel names '%s...' exceed %u bytes in HELLO\n", channels,
                    MSG_CHANNELS_MAX);
            return EXIT_USAGE;
        }
    }
    node_config_t cfg = {
        .axis_count = (uint8_t)csv->n_selected,
        .window_len = (uint16_t)o->window,
        .hop = (uint16_t)o->hop,
        .sample_rate_hz = (uint32_t)o->rate,
        .name = o->name,
        .channels = channels,
        .board = MSG_BOARD_HOST,
        VIGIL_FW_VERSION_FIELDS,
        .send_bands = !o->no_bands,
        .sensor = MSG_SENSOR_NONE,
        .range_g = 16,
        .link = {[NODE_LINK_WIRED] = {sink_write, s},
                 [NODE_LINK_BLE] = {o->ble_link != NULL ? ble_write : NULL, s}},
        .io = {.uptime_us = uptime_cb, .random = random_cb,
               .save_identity = o->store != NULL ? save_identity_cb : NULL},
        .store = o->store != NULL ? &g_store : NULL,
    };
    if (o->store != NULL) {
        cfg.identity_len = load_identity(o->store);
        cfg.identity = cfg.identity_len ? g_identity : NULL;
    }
    uid_from_name(o->name, cfg.uid);
    if (node_init(&g_node, &cfg) != VIGIL_OK) {
        fprintf(stderr, "vigil-node: invalid node configuration\n");
        return EXIT_USAGE;
    }
    return 0;
}

static const char *status_text(vigil_status_t st)
{
    switch (st) {
    case VIGIL_ERR_TRUNCATED: return "the model file is truncated";
    case VIGIL_ERR_MAGIC: return "not a Vigil model file";
    case VIGIL_ERR_VERSION: return "unsupported model format version";
    case VIGIL_ERR_CRC: return "the model file is corrupt (CRC mismatch)";
    case VIGIL_ERR_AUTH: return "the model is not signed for this node";
    case VIGIL_ERR_INVALID: return "the model file is invalid";
    case VIGIL_ERR_SPEC: return "the model was built for other features or axes than this node's";
    case VIGIL_ERR_LIMIT: return "the model is larger than this node can run";
    case VIGIL_ERR_SELFTEST: return "the model's self-test failed";
    case VIGIL_ERR_FLASH: return "the model store could not be written";
    default: return "error";
    }
}

/* Reads a whole (small) file into buf; returns its length, or 0 with a message. */
static size_t read_model_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "vigil-node: cannot open --model %s: %s\n", path, strerror(errno));
        return 0;
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "vigil-node: --model %s is empty\n", path);
    }
    return n;
}

/*
 * The model at start-up: install --model into the store, then boot the store (the newest
 * confirmed model it holds), else the built-in default. Returns 0 or an exit code. One line on
 * stderr says which model runs.
 */
static int select_model(const options_t *o)
{
    if (o->no_model) {
        fprintf(stderr, "vigil-node: no model (--no-model)\n");
        return 0;
    }
    if (o->store != NULL) {
        if (flash_file_open(&g_flash, &g_flash_file, o->store) != VIGIL_OK ||
            store_init(&g_store, &g_flash) != VIGIL_OK) {
            fprintf(stderr, "vigil-node: cannot use --store %s: %s\n", o->store, strerror(errno));
            return 1;
        }
        const uint8_t *blob = NULL;
        size_t len = 0;
        if (o->model != NULL) {
            static _Alignas(4) uint8_t file[FLASH_FILE_SLOT_SIZE];
            size_t n = read_model_file(o->model, file, sizeof file);
            if (n == 0) {
                return EXIT_USAGE;
            }
            /* Refuse it before it costs a slot: the same checks the trial will run. */
            vigil_status_t st = node_accept_model(&g_node, file, n);
            /* .vgm files may carry an app section after total_len: store the blob only. */
            const size_t blob_len = proto_get_u32le(file + 8); /* total_len (model-format §2.1), checked by accept */
            if (st == VIGIL_OK) {
                /* Boot first, so the write goes beside the model the store would run. */
                st = store_boot(&g_store, node_accept_model, &g_node, &blob, &len);
                /* The store runs its highest confirmed version: an older file would be rejected at
                 * the next boot (an older model returns only by the transfer's rollback). */
                const uint32_t running =
                    st == VIGIL_OK ? store_slot_info(&g_store, (uint32_t)g_store.active).version : 0u;
                const bool installed = st == VIGIL_OK && len == blob_len && memcmp(blob, file, len) == 0;
                if (st == VIGIL_OK && !installed && proto_get_u32le(file + 12) <= running) {
                    fprintf(stderr, "vigil-node: --model %s refused: its version %u is not newer than the store's model "
                            "(version %u)\n", o->model, (unsigned)proto_get_u32le(file + 12), (unsigned)running);
                    return EXIT_USAGE;
                }
                st = st == VIGIL_ERR_FLASH || installed ? st : store_write(&g_store, file, blob_len);
            }
            if (st != VIGIL_OK) {
                fprintf(stderr, "vigil-node: --model %s refused: %s\n", o->model, status_text(st));
                return EXIT_USAGE;
            }
        }
        vigil_status_t st = store_boot(&g_store, node_accept_model, &g_node, &blob, &len);
        if (st == VIGIL_OK &&
            node_set_model(&g_node, blob, len, (uint8_t)(MSG_MODEL_SOURCE_SLOT0 + g_store.active)) == VIGIL_OK) {
            fprintf(stderr, "vigil-node: model version %u from store slot %d\n",
                    (unsigned)g_node.run.nn.model.model_version, g_store.active);
            return 0;
        }
        if (st != VIGIL_ERR_EMPTY) {
            fprintf(stderr, "vigil-node: model store: %s\n", status_text(st));
        }
    }
    vigil_status_t st = node_set_model(&g_node, nn_default_model_blob, nn_default_model_len, MSG_MODEL_SOURCE_BUILTIN);
    if (st == VIGIL_OK) {
        fprintf(stderr, "vigil-node: built-in model version %u\n", (unsigned)g_node.run.nn.model.model_version);
    } else {
        fprintf(stderr, "vigil-node: no model: the built-in one does not fit (%s)\n", status_text(st));
    }
    return 0;
}

/* A late emulator catches up no faster than the host reads. A real node samples at its clock's
 * pace and sends each frame when its window ends; this process, when the machine starves it of CPU,
 * wakes up behind and computes the windows it owes in a burst, faster than any node could send
 * them. Its output buffer then overflows not because the host failed to read in time but because
 * the emulator was late: so, while it is behind for its own reasons, a frame that does not fit waits
 * for the host to take what is queued — never longer than the emulator's own lateness (the time the
 * real node would have spread those frames over), and never for a host that is the late one: time
 * spent waiting here counts against that lateness, and once the replay is back on schedule the
 * account is cleared. A host that does not read within the buffers' time still loses frames, as it
 * would with a real node. */
#define CATCH_UP_WAIT_MAX_NS 100000000LL /* per chunk, 100 ms */

static void wait_for_room(sink_t *s, node_t *node, int64_t due_ns, int64_t *waited_ns, uint32_t unplug_ms)
{
    int64_t now = now_ns();
    if (now <= due_ns) {
        *waited_ns = 0; /* on schedule: nothing owed */
        return;
    }
    int64_t own_late = now - due_ns - *waited_ns;
    if (own_late <= 0 || s->unplugged || !pty_has_pending(&s->pty)) {
        return;
    }
    int64_t until = now + (own_late < CATCH_UP_WAIT_MAX_NS ? own_late : CATCH_UP_WAIT_MAX_NS);
    int64_t start = now;
    while (!g_stop && !s->unplugged && pty_has_pending(&s->pty) && now < until) {
        int64_t step = now + 1000000LL; /* 1 ms: service_pty returns at its deadline, not when the queue empties */
        service_pty(s, node, step < until ? step : until, unplug_ms);
        now = now_ns();
    }
    *waited_ns += now - start;
    s->catch_up_wait_ns += now - start;
    s->catch_up_waits++;
}

/* Boot HELLO, then the replay; at the end, a summary line on stderr. Returns the exit code. */
static int replay(const options_t *o, csv_reader_t *csv, sink_t *s)
{
    (void)node_send_hello(&g_node);

    const size_t axes = csv->n_selected;
    const int pty_mode = (s->out == NULL);
    uint64_t rows = 0;
    int64_t t0 = now_ns();
    int64_t waited_ns = 0; /* waited for the host while behind schedule (wait_for_room) */
    while (!g_stop && (o->max_rows == 0 || rows < o->max_rows)) {
        size_t n = 0;
        int got = 1;
        while (n < o->hop && (o->max_rows == 0 || rows + n < o->max_rows)) {
            got = csv_read_row(csv, &g_chunk[n * axes]);
            if (got < 0) {
                fprintf(stderr, "vigil-node: %s\n", csv->error);
                return EXIT_USAGE;
            }
            if (got == 0) {
                break;
            }
            n++;
        }
        rows += n;
        if (pty_mode) {
            /* Sleep until the chunk's last sample is "measured", answering the host meanwhile. */
            service_pty(s, &g_node, o->fast ? 0 : t0 + rows_to_ns(rows, (uint32_t)o->rate), (uint32_t)o->unplug_ms);
        }
        if (pty_mode && !o->fast) {
            wait_for_room(s, &g_node, t0 + rows_to_ns(rows, (uint32_t)o->rate), &waited_ns, (uint32_t)o->unplug_ms);
        }
        if (node_push_samples(&g_node, g_chunk, n) != VIGIL_OK || s->out_failed) {
            break;
        }
        if (got == 0) {
            if (!o->loop) {
                break;
            }
            if (csv_rewind(csv) != VIGIL_OK) {
                fprintf(stderr, "vigil-node: %s\n", csv->error);
                return 1;
            }
        }
    }
    if (pty_mode && !g_stop) {
        service_pty(s, &g_node, now_ns() + DRAIN_NS, (uint32_t)o->unplug_ms);
    }
    frame_stats_t rx = frame_deframer_stats(&g_node.link[NODE_LINK_WIRED].rx);
    fprintf(stderr,
            "vigil-node: %llu rows, %lu FEATURES sent, %lu RAW_BLOCK sent, %lu frames dropped; rx %lu frames, "
            "%lu bad_cobs, %lu bad_crc, %lu bad_length, %lu bad_version, %lu oversize\n",
            (unsigned long long)rows, (unsigned long)g_node.stats.features_sent,
            (unsigned long)g_node.stats.raw_blocks_sent, (unsigned long)g_node.stats.tx_dropped, (unsigned long)rx.frames,
            (unsigned long)rx.bad_cobs, (unsigned long)rx.bad_crc, (unsigned long)rx.bad_length,
            (unsigned long)rx.bad_version, (unsigned long)rx.oversize);
    if (pty_mode) {
        fprintf(stderr, "vigil-node: output buffer: at most %lu of %u bytes waited\n", (unsigned long)s->pty.tx_high,
                (unsigned)PTY_TX_BUFFER);
        fprintf(stderr, "vigil-node: behind schedule (starved of CPU), waited %lu times for the host to read, %lld ms in all\n",
                s->catch_up_waits, (long long)(s->catch_up_wait_ns / 1000000LL));
        /* What went before the app opened the port was thrown away by its open (tcflush), unread. */
        if (s->offered_before_open >= 0) {
            fprintf(stderr, "vigil-node: %lld frames offered before the port was opened (its open discarded them unread)\n",
                    s->offered_before_open);
        } else if (s->offered_before_open == -1) {
            fprintf(stderr, "vigil-node: frames offered before the port was opened: no reader flushed the port\n");
        } else {
            fprintf(stderr, "vigil-node: frames offered before the port was opened: cannot tell exactly (%s, %lu bytes waiting in the output buffer)\n",
                    s->pty.flush_mid_write ? "the flush came during a write" : "no write under way",
                    (unsigned long)s->pty.flush_waiting);
        }
    }
    if (s->out_failed && s->out_failed != EPIPE) { /* EPIPE: the reader stopped; not an error */
        fprintf(stderr, "vigil-node: writing %s: %s\n", o->out, strerror(s->out_failed));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options_t o;
    g_flash_file.fd = -1;
    g_baseline_file.fd = -1;
    g_boot_ns = now_ns();
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        return rc;
    }
    static csv_reader_t csv;
    static sink_t sink;
    sink.ble.master = -1;
    sink.ble.slave = -1;
    sink.link = o.link;
    sink.stats = &g_node.stats;
    sink.offered_before_open = -1;
    if (csv_open(&csv, o.csv, o.columns) != VIGIL_OK) {
        fprintf(stderr, "vigil-node: %s\n", csv.error);
        csv_close(&csv);
        return EXIT_USAGE;
    }
    rc = configure_node(&o, &csv, &sink);
    if (rc == 0) {
        rc = select_model(&o);
    }
    if (rc == 0) {
        rc = open_baseline(&o);
    }
    if (rc == 0) {
        node_baseline_boot(&g_node); /* no model: the node learns its own baseline (or runs it) */
    }
    if (rc == 0 && g_store.flash != NULL &&
        node_ota_init(&g_node, &g_store, nn_default_model_blob, nn_default_model_len, OTA_CONFIRM_AFTER_DEFAULT) !=
            VIGIL_OK) {
        fprintf(stderr, "vigil-node: the model transfer receiver did not start\n");
        rc = 1;
    }
    if (rc != 0) {
        csv_close(&csv);
        flash_file_close(&g_flash_file);
        flash_file_close(&g_baseline_file);
        return rc;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: ppoll returns EINTR and the loop ends */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed --out pipe shows up as EPIPE instead of killing us */
    if (o.exit_with_parent) {
        /* A demo node must not outlive the app that started it (SIGKILLed apps run no cleanup).
         * The node keeps its own pty slave open, so it would never notice on its own. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1) {
            csv_close(&csv);
            return 1;
        }
    }

    if (o.out != NULL) {
        sink.out = strcmp(o.out, "-") == 0 ? stdout : fopen(o.out, "wb");
        if (sink.out == NULL) {
            fprintf(stderr, "vigil-node: cannot open --out %s: %s\n", o.out, strerror(errno));
            csv_close(&csv);
            return 1;
        }
    } else {
        if (pty_open(&sink.pty, o.link) != VIGIL_OK) {
            csv_close(&csv);
            return 1;
        }
        printf("VIGIL-NODE PTY %s\n", sink.pty.slave_path);
        if (o.ble_link != NULL) {
            if (pty_open(&sink.ble, o.ble_link) != VIGIL_OK) {
                pty_close(&sink.pty);
                csv_close(&csv);
                return 1;
            }
            printf("VIGIL-NODE BLE-PTY %s\n", sink.ble.slave_path);
        }
        fflush(stdout);
    }

    rc = replay(&o, &csv, &sink);

    if (sink.out != NULL) {
        if (fclose(sink.out) != 0 && rc == 0 && errno != EPIPE) {
            fprintf(stderr, "vigil-node: writing %s: %s\n", o.out, strerror(errno));
            rc = 1;
        }
    } else {
        if (!sink.unplugged) {
            pty_close(&sink.pty);
        } else if (o.link != NULL) {
            (void)unlink(o.link); /* still the dangling link of the pulled cable */
        }
        if (sink.ble.master >= 0) {
            pty_close(&sink.ble);
        }
    }
    csv_close(&csv);
    flash_file_close(&g_flash_file);
    flash_file_close(&g_baseline_file);
    return rc;
}
