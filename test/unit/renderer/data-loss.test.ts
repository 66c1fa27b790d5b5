// Data a node lost, said to the technician in plain words with when and why (renderer/src/nodes/dataLoss.ts,
// DataLossNote on the Nodes page and the Live card): issue 13, point 7 — "show plainly when and why data was lost".
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DataLoss, NodeInfo } from '../../../models/api/contract';
import { setLanguage } from '../../../renderer/src/i18n';
import { lossSentence, lossSeconds } from '../../../renderer/src/nodes/dataLoss';

const NOTE = '../../../renderer/src/nodes/DataLossNote.tsx';
let DataLossNote: FunctionComponent<{ node: NodeInfo; all?: boolean }>;
beforeAll(async () => {
  ({ DataLossNote } = (await import(/* @vite-ignore */ NOTE)) as { DataLossNote: typeof DataLossNote });
});
afterEach(() => setLanguage('en'));

const at = new Date(2026, 11, 6, 2, 14, 5).getTime();
const hello = { uid: '0'.repeat(24), name: 'n', board: 'host', firmware: '0.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x', 'y'] } as NodeInfo['hello'];
const loss = (over: Partial<DataLoss> = {}): DataLoss => ({ atMs: at, untilMs: at + 1000, windows: 120, rawFrames: 0, cause: 'node-buffer', ...over });

describe('data loss in words', () => {
  it('says how much, when and why, in English and Spanish', () => {
    expect(lossSeconds(120, hello)).toBeCloseTo(1.28, 6);
    expect(lossSentence(loss(), hello)).toBe(
      'The node dropped 120 windows (1.3 s of measurements) at 02:14:05 because the link could not keep up: its send buffer was full. The recording has a gap there.',
    );
    expect(lossSentence(loss({ cause: 'link-lost', untilMs: at + 9000 }), hello)).toBe(
      '120 windows (1.3 s of measurements) did not arrive at 02:14:05 (until 02:14:14) because the connection to the node was lost. The recording has a gap there.',
    );
    expect(lossSentence(loss({ cause: 'unknown', windows: 1, rawFrames: 4096 }), undefined)).toBe(
      '1 window and 4,096 raw samples did not arrive at 02:14:05: it was damaged or lost on the way (the node reported no drop). The recording has a gap there.',
    );
    setLanguage('es');
    expect(lossSentence(loss(), hello)).toBe(
      'El nodo descartó 120 ventanas (1,3 s de mediciones) a las 02:14:05 porque el enlace no daba abasto: su búfer de envío estaba lleno. La grabación tiene un hueco ahí.',
    );
  });

  it('shows the latest loss on a card, and the earlier ones on the Nodes page; nothing when none', () => {
    const node = { path: '/dev/pts/9', status: 'online', demo: true, link: 'serial', hello, stats: {} } as unknown as NodeInfo;
    expect(renderToStaticMarkup(createElement(DataLossNote, { node }))).toBe('');
    const withLosses = { ...node, losses: [loss({ atMs: at - 60_000, untilMs: at - 59_000, windows: 3, cause: 'unknown' }), loss()] };
    const card = renderToStaticMarkup(createElement(DataLossNote, { node: withLosses }));
    expect(card).toContain('data-cause="node-buffer"');
    expect(card).toContain('The node dropped 120 windows');
    expect(card).not.toContain('earlier');
    const page = renderToStaticMarkup(createElement(DataLossNote, { node: withLosses, all: true }));
    expect(page).toContain('1 earlier loss');
    expect(page).toContain('3 windows (0.03 s of measurements) did not arrive at 02:13:05');
  });
});
