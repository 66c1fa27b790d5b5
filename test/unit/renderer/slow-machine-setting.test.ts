// CONFIG key 9 (slow_machine: velocity over 2-1000 Hz) from the node controls to the wire: the
// draft's change, the API's check of it, and the node's CONFIG read back into the API.
import { describe, expect, it } from 'vitest';
import { validateArgs, type NodeConfig } from '../../../models/api/contract';
import { configToEntries, decodeConfigEntries, encodeConfigEntries, entriesToConfig } from '../../../models/protocol/configMessages';
import { configChanges, type ConfigDraft } from '../../../renderer/src/nodes/controlLogic';
import { configToApi } from '../../../main/node/wireToApi';

const cfg: NodeConfig = { name: 'pump', rangeG: 16, hop: 512, shaftHz: 0, sendBands: true, axisCount: 3, windowLen: 1024, sampleRateHz: 26667, slowMachine: false };
const draft = (c: NodeConfig): ConfigDraft => ({ name: c.name, rangeG: String(c.rangeG), hop: String(c.hop), shaftHz: String(c.shaftHz), sendBands: c.sendBands, slowMachine: c.slowMachine });

describe('slow machine setting', () => {
  it('the controls send it when the technician ticks it, and never to a node without the key', () => {
    expect(configChanges(cfg, { ...draft(cfg), slowMachine: true })).toEqual({ changes: { slowMachine: true } });
    expect(configChanges(cfg, draft(cfg))).toEqual({ changes: {} });
    const old = { ...cfg, slowMachine: undefined };
    expect(configChanges(old, { ...draft(old), slowMachine: true })).toEqual({ changes: {} });
  });
  it('the API takes a boolean and refuses anything else in plain words', () => {
    expect(validateArgs('nodes.config.set', { path: '/dev/ttyV0', changes: { slowMachine: true } })).toEqual({ path: '/dev/ttyV0', changes: { slowMachine: true } });
    expect(() => validateArgs('nodes.config.set', { path: '/dev/ttyV0', changes: { slowMachine: 1 } })).toThrow(/slowMachine/);
  });
  it('travels as key 9 and comes back as the node reports it', () => {
    const entries = configToEntries({ slowMachine: true });
    expect(entries).toEqual([{ key: 9, value: Uint8Array.of(1) }]);
    const back = entriesToConfig(decodeConfigEntries(encodeConfigEntries(entries)));
    expect(back).toEqual({ slowMachine: true });
    const h = { name: 'pump', hop: 512, axisCount: 3, windowLen: 1024, sampleRateHz: 26667 } as Parameters<typeof configToApi>[1];
    expect(configToApi(back, h, undefined).slowMachine).toBe(true);
    expect(configToApi({}, h, undefined).slowMachine).toBeUndefined();
    expect(() => entriesToConfig([{ key: 9, value: Uint8Array.of(2) }])).toThrow(/slow_machine/);
  });
});
