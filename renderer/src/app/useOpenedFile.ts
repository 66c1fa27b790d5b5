/**
 * A page's side of the opened-files inbox (openedFiles.ts), for one kind of file: the page takes
 * the oldest waiting file and shows it; while it shows one (a preview not yet added, imported or
 * cancelled, or a file being read) it takes no other; and if the page goes before the technician
 * decides (another page, a change of language, which remounts the pages) the file is given back,
 * the next one taken, never lost.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { OpenedFileKind } from '../../../models/api/contract';
import { openedFileInbox, type OpenedBytes, type OpenedFileInbox } from './openedFiles';

/**
 * `show` is called with each file taken. Returns `hold`: hold(true) while something is on screen
 * (the page also calls it for a file the technician picked), hold(false) when it is done with it.
 */
export function useOpenedFile(kind: OpenedFileKind, show: (f: OpenedBytes) => void, inbox: OpenedFileInbox = openedFileInbox): (on: boolean) => void {
  const held = useRef(false);
  const pending = useRef<OpenedBytes | null>(null);
  const showRef = useRef(show);
  showRef.current = show;
  const hold = useCallback(
    (on: boolean) => {
      held.current = on;
      if (!on) pending.current = null;
      inbox.setShowing(kind, on);
    },
    [inbox, kind],
  );
  useEffect(() => {
    const take = () => {
      if (held.current) return;
      const f = inbox.take(kind);
      if (!f) return;
      hold(true);
      pending.current = f;
      showRef.current(f);
    };
    take();
    const off = inbox.subscribe(take);
    return () => {
      const f = pending.current;
      off();
      hold(false);
      if (f) inbox.giveBack(f);
    };
  }, [inbox, kind, hold]);
  return hold;
}
