/**
 * Undo for label changes: each create, edit or delete pushes how to reverse it. The toast shows
 * the newest one with an Undo button; Ctrl+Z (Cmd+Z) undoes the newest too. Outside React; the
 * toast reads it through useSyncExternalStore.
 */
import { t } from '../i18n';

export interface UndoEntry {
  /** What was done, in words: 'Label "Cage" deleted.' */
  message: string;
  /** What undoing it did: 'Label "Cage" restored.' */
  undoneMessage: string;
  undo: () => Promise<void>;
}

export interface Toast {
  id: number;
  message: string;
  /** Present while the action can still be undone from the toast. */
  canUndo: boolean;
  error: boolean;
}

const MAX_ENTRIES = 50;
const TOAST_MS = 10_000;

export class UndoStack {
  private readonly entries: UndoEntry[] = [];
  private toastState: Toast | null = null;
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  push(e: UndoEntry): void {
    this.entries.push(e);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
    this.show(e.message, true, false);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Undoes the newest change; returns false when there is nothing to undo. */
  async undoLast(): Promise<boolean> {
    const e = this.entries.pop();
    if (!e) {
      this.show(t('labels.undo.nothing'), false, false);
      return false;
    }
    try {
      await e.undo();
      this.show(e.undoneMessage, false, false);
      return true;
    } catch (err) {
      this.show(t('labels.undo.failed', { error: err instanceof Error ? err.message : String(err) }), false, true);
      return false;
    }
  }

  /** Shows a message without an undo (e.g. an error). */
  notify(message: string, error = false): void {
    this.show(message, false, error);
  }

  dismiss(): void {
    this.toastState = null;
    this.emit();
  }

  toast = (): Toast | null => this.toastState;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private show(message: string, canUndo: boolean, error: boolean): void {
    this.toastState = { id: ++this.seq, message, canUndo, error };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.dismiss(), TOAST_MS);
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
