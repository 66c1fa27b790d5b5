/**
 * The reconnect state machine of docs/protocol.md 6.3, for one session on a port that can be
 * opened again (serial): while reconnecting the port's path is polled every 200 ms; opens back off
 * 200/400/800 ms, then every 2 s; a path that is not there resets the back-off so its next
 * appearance is tried at once. While online, the same poll notices a port that vanished. A session
 * without `reopen` (Bluetooth LE) waits for the renderer to attach a new link instead.
 */
import type { ByteLink } from '../transport/byteLink';

export interface ReconnectOptions {
  /** Re-opens the link after it was lost (serial). Without it the session waits for attach() (BLE). */
  reopen?: () => Promise<ByteLink>;
  /** Whether the port's path exists now; polled while online (a vanished pty) and while reconnecting. */
  present?: () => boolean;
  /** Path poll interval (default 200 ms). */
  pollMs?: number;
  /** Open retry delays after a failed open; the last repeats (default 200, 400, 800, 2000 ms). */
  backoffMs?: number[];
}

/** What the state machine asks of its session. */
export interface ReconnectHost {
  /** The session ended for good: nothing is opened any more. */
  ended(): boolean;
  /** Still reconnecting with no link attached: worth an open. */
  waiting(): boolean;
  /** An open succeeded: attach the link and handshake. */
  reopened(link: ByteLink): Promise<void>;
  /** An open failed (the attempt count changed). */
  changed(): void;
}

export class Reconnector {
  /** Shown in NodeInfo.reconnect while reconnecting. */
  state: { attempts: number; sinceMs: number } | undefined;
  private openFailures = 0;
  private nextOpenAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: ReconnectOptions,
    private readonly host: ReconnectHost,
  ) {}

  get pollMs(): number {
    return this.opts.pollMs ?? 200;
  }

  /** Reconnecting starts now: no attempt yet, no back-off. */
  begin(): void {
    this.state = { attempts: 0, sinceMs: Date.now() };
    this.openFailures = 0;
    this.nextOpenAt = 0;
  }

  /** Online again. */
  done(): void {
    this.state = undefined;
  }

  /** The next open check in `ms` (serial only). */
  schedule(ms: number): void {
    if (!this.opts.reopen || this.host.ended()) return; // BLE: the renderer attaches a new link
    this.stop();
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** After a failed open (or a port where no node answers): the next open waits 200, 400, 800 ms, then 2 s. */
  backOff(): void {
    const backoff = this.opts.backoffMs ?? [200, 400, 800, 2000];
    this.nextOpenAt = Date.now() + backoff[Math.min(this.openFailures++, backoff.length - 1)];
  }

  /** While a link is attached: `vanished` runs when the port's path is gone. */
  watch(vanished: () => void): void {
    this.unwatch();
    const present = this.opts.present;
    if (!present) return;
    this.watchTimer = setInterval(() => {
      if (!present()) vanished();
    }, this.pollMs);
    this.watchTimer.unref();
  }

  unwatch(): void {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (!this.host.waiting()) return;
    const poll = this.pollMs;
    if (this.opts.present && !this.opts.present()) {
      // Not there: the next appearance is tried at once.
      this.openFailures = 0;
      this.nextOpenAt = 0;
      return this.schedule(poll);
    }
    const wait = this.nextOpenAt - Date.now();
    if (wait > 0) return this.schedule(Math.min(wait, poll));
    this.state!.attempts++;
    let link: ByteLink;
    try {
      link = await this.opts.reopen!();
    } catch {
      this.backOff();
      this.host.changed();
      return this.schedule(Math.min(poll, this.nextOpenAt - Date.now()));
    }
    if (this.host.ended()) {
      await link.close().catch(() => {});
      return;
    }
    await this.host.reopened(link);
  }
}
