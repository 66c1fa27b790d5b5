// The Nodes page's pairing line (renderer/src/nodes/NodeControls.tsx PairSection): a node this
// workstation paired before that now shows another key was re-paired elsewhere (main sets
// NodeLinkInfo.rePaired, main/node/keys.ts); the page warns, says that anyone with the cable can
// re-pair by design, and names the key id it now shows. In English and Spanish.
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeInfo, NodeLinkInfo } from '../../../models/api/contract';
import type { VigilClient } from '../../../renderer/src/api/types';
import { setLanguage } from '../../../renderer/src/i18n';

// The root tsconfig compiles no JSX: the component is loaded at run time (vitest transforms it).
const COMPONENT = '../../../renderer/src/nodes/NodeControls.tsx';
type Props = { client: VigilClient; node: NodeInfo; usable: boolean };
let PairSection: FunctionComponent<Props>;
beforeAll(async () => {
  ({ PairSection } = (await import(/* @vite-ignore */ COMPONENT)) as { PairSection: typeof PairSection });
});

const info = (over: Partial<NodeLinkInfo>): NodeLinkInfo => ({
  protocolMinor: 3,
  capabilities: ['pair', 'config'],
  link: 'wired',
  paired: true,
  keyId: '9f3a61c2',
  keyKnown: false,
  sensor: 'none',
  rangeG: 16,
  stream: { features: true, raw: false, rawDecimation: 1 },
  modelVersion: 1,
  modelSource: 'built-in',
  slots: [],
  ...over,
});
const node = (i: NodeLinkInfo): NodeInfo =>
  ({
    path: '/dev/pts/7',
    status: 'online',
    demo: false,
    link: 'serial',
    hello: { uid: '00112233445566778899aabb', name: 'Pump 1', board: 'host', firmware: '1.3.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x', 'y'], info: i },
    stats: {},
  }) as unknown as NodeInfo;
const client = { invoke: () => Promise.reject(new Error('not called')), on: () => () => {} } as unknown as VigilClient;
const stateLine = (i: NodeLinkInfo) => {
  const html = renderToStaticMarkup(createElement(PairSection, { client, node: node(i), usable: true }));
  return /<p[^>]*data-testid="pair-state"[^>]*>([^<]*)<\/p>/.exec(html)?.[0] ?? '';
};

describe('the re-pair notice on the Nodes page', () => {
  afterEach(() => setLanguage('en'));

  it('warns that another workstation re-paired the node, says anyone with the cable can, and names the new key', () => {
    const line = stateLine(info({ rePaired: 'seen a new key' }));
    expect(line).toContain('class="warn-text"');
    expect(line).toContain('re-paired by another workstation');
    expect(line).toContain('anyone with the node&#x27;s cable can re-pair it');
    expect(line).toContain('9f3a61c2');
  });

  it('says something else for a node paired elsewhere that this workstation never paired, and for one it holds', () => {
    const elsewhere = stateLine(info({}));
    expect(elsewhere).not.toContain('re-paired');
    expect(elsewhere).toContain('class="warn-text"');
    const held = stateLine(info({ keyKnown: true }));
    expect(held).not.toContain('re-paired');
    expect(held).not.toContain('warn-text');
  });

  it('speaks Spanish', () => {
    setLanguage('es');
    const line = stateLine(info({ rePaired: 'seen a new key' }));
    expect(line).toContain('volvió a emparejar este nodo');
    expect(line).toContain('cualquiera con el cable del nodo puede hacerlo');
    expect(line).toContain('9f3a61c2');
  });
});
