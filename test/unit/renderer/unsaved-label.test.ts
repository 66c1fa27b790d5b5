// Leaving a page with an unsaved label asks first (renderer/src/app/unsaved.ts; issue 13, point 7:
// "an unsaved label is dropped silently when the technician navigates away"). The page itself is
// tried in Chromium by test/e2e/techfix.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { mustAsk, UnsavedRegistry } from '../../../renderer/src/app/unsaved';

describe('unsaved work', () => {
  it('asks before a page change only while a label is held', () => {
    const r = new UnsavedRegistry();
    expect(mustAsk(r, '#/live', '#/nodes')).toBe(false);
    const release = r.hold({ what: 'the label', discard: () => {} });
    expect(mustAsk(r, '#/live', '#/nodes')).toBe(true);
    expect(mustAsk(r, '#/live', '#/live/0123')).toBe(true); // the node's analysis unmounts the card too
    expect(mustAsk(r, '#/live', '#/live')).toBe(false);
    release();
    expect(mustAsk(r, '#/live', '#/nodes')).toBe(false);
  });

  it('asks the browser before a reload or a close while a label is held', () => {
    const r = new UnsavedRegistry();
    const e = { preventDefault: vi.fn(), returnValue: undefined as unknown };
    r.onBeforeUnload(e);
    expect(e.preventDefault).not.toHaveBeenCalled();
    r.hold({ what: 'the label', discard: () => {} });
    r.onBeforeUnload(e);
    expect(e.preventDefault).toHaveBeenCalledOnce();
    expect(e.returnValue).toBe('');
  });

  it('discard drops every held label (the forms close) and asks no more', () => {
    const r = new UnsavedRegistry();
    const a = vi.fn();
    const b = vi.fn();
    r.hold({ what: 'a', discard: a });
    const releaseB = r.hold({ what: 'b', discard: b });
    expect(r.pending.map((w) => w.what)).toEqual(['a', 'b']);
    r.discardAll();
    expect(a).toHaveBeenCalledOnce();
    expect(b).toHaveBeenCalledOnce();
    releaseB(); // the form's own cleanup afterwards is harmless
    expect(r.pending).toEqual([]);
    expect(mustAsk(r, '#/live', '#/nodes')).toBe(false);
  });
});
