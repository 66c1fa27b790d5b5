/** Polls `check` every 20 ms until it returns a value; rejects naming `what` after `ms`. */
export function waitFor<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** Blocks this thread, and so its event loop (nothing it reads is read meanwhile), for `ms`. */
export function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
