// The Nodes page's Gateways section (renderer/src/nodes/GatewaysSection.tsx), told by main rather
// than asking: an entry's gateway.updated replaces it in the list (or adds it), and its row says the
// state, the reason and the gap fill in words, in English and Spanish.
import type { FunctionComponent } from 'react';
import { describe, expect, it } from 'vitest';
import type { GatewayInfo } from '../../../models/api/contract';

const entry = (over: Partial<GatewayInfo> = {}): GatewayInfo => ({
  id: '0123456789abcdef',
  url: 'mqtts://broker.plant:8883',
  username: 'ws-office',
  hasPassword: true,
  group: 'plant',
  state: 'connected',
  edges: [{ edge: 'gw1', online: true }],
  nodes: 2,
  online: 2,
  gapFill: { gaps: 0, missingWindows: 0, filledWindows: 0, lostWindows: 0, duplicates: 0, seqGaps: 0 },
  ...over,
});

// The root tsconfig compiles no JSX: the component is loaded at run time (vitest transforms it).
const COMPONENT = '../../../renderer/src/nodes/GatewaysSection.tsx';
type Module = { upsertGateway(l: GatewayInfo[] | null, g: GatewayInfo): GatewayInfo[]; GatewayRow: FunctionComponent<{ client: unknown; gateway: GatewayInfo; onRemoved: () => void }> };

describe('the Gateways section', () => {
  it('an update replaces its entry in place, or adds a new one at the end', async () => {
    const { upsertGateway } = (await import(/* @vite-ignore */ COMPONENT)) as Module;
    const a = entry();
    const b = entry({ id: 'fedcba9876543210', url: 'mqtts://other:8883' });
    expect(upsertGateway(null, a)).toEqual([a]);
    const moved = entry({ state: 'reconnecting', message: 'lost the broker' });
    expect(upsertGateway([a, b], moved)).toEqual([moved, b]);
    expect(upsertGateway([a], b)).toEqual([a, b]);
  });

  it('a row says refused with the reason, and what gap fill recovered and lost, in both languages', async () => {
    const { createElement } = await import('react');
    const { renderToStaticMarkup } = await import('react-dom/server');
    const { setLanguage } = await import('../../../renderer/src/i18n');
    const { GatewayRow } = (await import(/* @vite-ignore */ COMPONENT)) as Module;
    const html = (g: GatewayInfo) => renderToStaticMarkup(createElement(GatewayRow, { client: {}, gateway: g, onRemoved: () => {} }));
    const refused = entry({ state: 'refused', message: 'is refused by the broker: Connection refused: Not authorized', online: 0 });
    const gaps = entry({ gapFill: { gaps: 2, missingWindows: 1200, filledWindows: 1150, lostWindows: 50, duplicates: 3, seqGaps: 1 } });
    try {
      expect(html(refused)).toContain('data-state="refused"');
      expect(html(refused)).toContain('>Refused<');
      expect(html(refused)).toContain('is refused by the broker: Connection refused: Not authorized');
      expect(html(entry())).not.toContain('gateway-gaps');
      expect(html(gaps)).toMatch(/1,?200 windows missed on the way: 1,?150 filled from the gateway&#x27;s history, 50 lost · 1 message never heard/);
      expect(html(entry({ state: 'reconnecting', message: 'lost the broker' }))).toContain('>Reconnecting<');
      setLanguage('es');
      expect(html(refused)).toContain('>Rechazado<');
      expect(html(gaps)).toMatch(/1\.?200 ventanas perdidas por el camino: 1\.?150 recuperadas del historial de la pasarela, 50 perdidas · 1 mensaje no recibido/);
    } finally {
      setLanguage('en');
    }
  });
});
