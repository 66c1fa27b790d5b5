/**
 * Per-path listeners told at most once per animation frame after their path changed, however
 * many updates arrived in between: the live stores (FeatureStore, LinkStore) keep their data
 * outside React and use this to wake the charts and panels that show it.
 */
export class FrameNotifier<T> {
  private readonly listeners = new Map<string, Set<(x: T) => void>>();
  private readonly dirty = new Set<string>();
  private frameRequested = false;

  /**
   * @param scheduleFrame requestAnimationFrame in the browser; tests pass their own.
   * @param current what listeners of a path are given; undefined skips the path.
   */
  constructor(
    private readonly scheduleFrame: (cb: () => void) => void,
    private readonly current: (path: string) => T | undefined,
  ) {}

  subscribe(path: string, listener: (x: T) => void): () => void {
    let set = this.listeners.get(path);
    if (!set) this.listeners.set(path, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(path);
    };
  }

  /** `path` changed: its listeners run in the next animation frame. */
  changed(path: string): void {
    this.dirty.add(path);
    if (this.frameRequested) return;
    this.frameRequested = true;
    this.scheduleFrame(this.flush);
  }

  /** Drops a pending notification (the path's data is gone). */
  forget(path: string): void {
    this.dirty.delete(path);
  }

  private readonly flush = (): void => {
    this.frameRequested = false;
    for (const path of this.dirty) {
      const x = this.current(path);
      if (x === undefined) continue;
      for (const l of this.listeners.get(path) ?? []) l(x);
    }
    this.dirty.clear();
  };
}
