/**
 * Files the app was opened with (a `.vigil` bundle or a `.vgm` model double-clicked, named on the
 * command line, handed over by a second start, or macOS open-file): main checks each and says so
 * with 'file.opened' (main/files/openedFiles.ts). Here the page reads the file by its id, in pieces
 * ('files.read'), and leaves it in the inbox for the page that opens it: a bundle for the import
 * preview on the Recordings page (recordings/ExchangePanel.tsx), a model for the model import on
 * the Training page (training/OpenedModelPanel.tsx). A file that was announced before the page
 * listened is found with 'files.opened' when the page starts and whenever its link comes back.
 */
import { validateOpenedFileNotice, type OpenedFile, type OpenedFileKind, type OpenedFileNotice } from '../../../models/api/contract';
import type { VigilClient } from '../api/types';
import { formatBytes, formatCount } from '../format';
import { t } from '../i18n';
import { navigate } from './route';
import { sayError } from '../msg';

export interface OpenedBytes {
  id: string;
  name: string;
  kind: OpenedFileKind;
  bytes: Uint8Array;
}

/** What the banner shows about one file: being read, waiting for its page, or why it was not opened. */
export interface OpenedStatus {
  /** The file's id (main's): a waiting file's line goes when its page takes it. */
  id: string;
  text: string;
  error: boolean;
}

function base64Into(b64: string, out: Uint8Array, at: number): number {
  const s = atob(b64);
  if (at + s.length > out.length) throw new Error(t('files.read.longer'));
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return s.length;
}

/** Reads an announced file whole, piece by piece, checking that the pieces follow each other. */
export async function readOpenedFile(client: Pick<VigilClient, 'invoke'>, f: OpenedFile): Promise<Uint8Array> {
  const out = new Uint8Array(f.bytes);
  let offset = 0;
  for (;;) {
    const c = await client.invoke('files.read', { id: f.id, offset });
    if (c.offset !== offset || c.total !== f.bytes) throw new Error(t('files.read.order'));
    offset += base64Into(c.data, out, offset);
    if (c.done) break;
  }
  if (offset !== f.bytes) throw new Error(t('files.read.short', { got: formatCount(offset), bytes: formatCount(f.bytes) }));
  return out;
}

type Listener = () => void;

/** The read files waiting for their page, and the banner's status. */
export class OpenedFileInbox {
  private items: OpenedBytes[] = [];
  private lines: OpenedStatus[] = [];
  private readonly showing = new Set<OpenedFileKind>();
  private readonly listeners = new Set<Listener>();

  put(f: OpenedBytes): void {
    this.items.push(f);
    this.changed();
  }

  /** The oldest waiting file of this kind, taken out of the inbox. */
  take(kind: OpenedFileKind): OpenedBytes | undefined {
    const i = this.items.findIndex((f) => f.kind === kind);
    if (i < 0) return undefined;
    const [f] = this.items.splice(i, 1);
    this.setStatus(f.id, null);
    return f;
  }

  /**
   * A page that took a file and is left before the technician added or cancelled it (another page,
   * a change of language, which remounts the pages) gives it back: it is the next one taken.
   */
  giveBack(f: OpenedBytes): void {
    this.items.unshift(f);
    this.changed();
  }

  /**
   * A page says it shows an opened file of this kind (a preview not yet imported or cancelled):
   * it takes no other meanwhile, and another opened file does not take the technician away from it.
   */
  setShowing(kind: OpenedFileKind, on: boolean): void {
    if (on) this.showing.add(kind);
    else this.showing.delete(kind);
    if (!on) this.changed(); // the page may take the next waiting file now
  }

  isShowing(kind?: OpenedFileKind): boolean {
    return kind ? this.showing.has(kind) : this.showing.size > 0;
  }

  /** The banner's lines, oldest first (a new array after every change). */
  get statuses(): readonly OpenedStatus[] {
    return this.lines;
  }

  /** Sets (or with null removes) the line about one file. */
  setStatus(id: string, s: Omit<OpenedStatus, 'id'> | null): void {
    const had = this.lines.some((l) => l.id === id);
    if (!had && !s) return;
    const rest = this.lines.filter((l) => l.id !== id);
    this.lines = s ? [...rest, { id, ...s }] : rest;
    this.changed();
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

export const openedFileInbox = new OpenedFileInbox();

const PAGE: Record<OpenedFileKind, 'recordings' | 'training'> = { bundle: 'recordings', model: 'training' };

/**
 * Listens for opened files, reads each once (by id: an event and the list may both name it), and
 * shows the page that opens it. `go` changes the page (tests pass their own).
 */
export function startOpenedFiles(client: VigilClient, inbox = openedFileInbox, go: (route: 'recordings' | 'training') => void = (r) => navigate(r)): () => void {
  const seen = new Set<string>();
  // One file at a time, in the order they were opened: the first one opened is the one shown, the
  // others wait behind it (read concurrently, a small model finished before a larger bundle and
  // took the page).
  let queue: Promise<void> = Promise.resolve();
  const handle = (raw: unknown): Promise<void> => (queue = queue.then(() => handleOne(raw)));
  const handleOne = async (raw: unknown): Promise<void> => {
    let n: OpenedFileNotice;
    try {
      n = validateOpenedFileNotice(raw);
    } catch (e) {
      inbox.setStatus(`bad-${seen.size}`, { text: t('files.status.badNotice', { error: (e as Error).message }), error: true });
      return;
    }
    if (seen.has(n.id)) return;
    seen.add(n.id);
    if ('error' in n) {
      inbox.setStatus(n.id, { text: t('files.status.notOpened', { error: n.error }), error: true });
      return;
    }
    inbox.setStatus(n.id, { text: t(n.kind === 'bundle' ? 'files.status.readingBundle' : 'files.status.readingModel', { name: n.name, size: formatBytes(n.bytes) }), error: false });
    try {
      const bytes = await readOpenedFile(client, n);
      const away = inbox.isShowing();
      // Another opened file is on screen: this one waits rather than take the technician away.
      inbox.setStatus(n.id, away ? { text: t(n.kind === 'bundle' ? 'files.status.bundleWaiting' : 'files.status.modelWaiting', { name: n.name }), error: false } : null);
      inbox.put({ id: n.id, name: n.name, kind: n.kind, bytes });
      if (!away) go(PAGE[n.kind]);
    } catch (e) {
      inbox.setStatus(n.id, { text: t('files.status.unreadable', { name: n.name, error: sayError(e) }), error: true });
    }
  };
  const list = () =>
    client.invoke('files.opened', {}).then(
      (ns) => ns.forEach((n) => void handle(n)),
      () => {},
    );
  const offEvent = client.on('file.opened', (n) => void handle(n));
  const offConn = client.onConnection((c) => {
    if (c.state === 'open') void list();
  });
  void list();
  return () => {
    offEvent();
    offConn();
  };
}
