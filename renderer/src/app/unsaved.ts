/**
 * Work on screen that is not saved yet (a label form with its range): while any is held, leaving
 * the page asks first. A hash change (the side nav, a link) is held back and the App asks "keep
 * editing or discard"; a reload or a close gets the browser's own question (beforeunload).
 * Issue 13, point 7: an unsaved label was dropped silently when the technician navigated away.
 */
import { parseLocation } from './route';

export interface UnsavedWork {
  /** What would be lost, in words: "the label of 12.3 s on Pump 1". */
  what: string;
  /** Drops it (the form closes). */
  discard(): void;
}

export class UnsavedRegistry {
  private readonly items = new Map<number, UnsavedWork>();
  private next = 1;

  /** Holds work until the returned function is called (the form saved, cancelled or closed). */
  hold(work: UnsavedWork): () => void {
    const id = this.next++;
    this.items.set(id, work);
    return () => {
      this.items.delete(id);
    };
  }

  get pending(): UnsavedWork[] {
    return [...this.items.values()];
  }

  /** The technician chose to leave: every held work is dropped. */
  discardAll(): void {
    const all = this.pending;
    this.items.clear();
    for (const w of all) w.discard();
  }

  /** window 'beforeunload': asks the browser to confirm while anything is unsaved. */
  readonly onBeforeUnload = (e: Pick<BeforeUnloadEvent, 'preventDefault'> & { returnValue: unknown }): void => {
    if (this.items.size === 0) return;
    e.preventDefault();
    e.returnValue = ''; // older Chromium (Electron) asks only when this is set
  };
}

export const unsaved = new UnsavedRegistry();

/** Whether a hash change from `from` to `to` must wait for the technician's word. Pure. */
export function mustAsk(registry: Pick<UnsavedRegistry, 'pending'>, from: string, to: string): boolean {
  if (registry.pending.length === 0) return false;
  const a = parseLocation(from);
  const b = parseLocation(to);
  return a.route !== b.route || a.id !== b.id;
}
