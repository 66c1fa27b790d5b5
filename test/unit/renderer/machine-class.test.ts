// The ISO class a node is judged by (issue 13: health sentences assumed group 2 rigid): the class of
// the machine it is placed on in the Fleet tree, else group 2 on a rigid foundation, said so.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../../models/api/contract';
import { VigilDb } from '../../../renderer/src/db/db';
import type { FleetItemRow } from '../../../renderer/src/db/types';
import { ASSUMED_CLASS, machineClassOf } from '../../../renderer/src/fleet/machineClass';
import { nodeHealth } from '../../../renderer/src/nodes/health';

const UID = '0123456789abcdef01234567';
const item = (o: Partial<FleetItemRow> & Pick<FleetItemRow, 'id' | 'kind' | 'name'>): FleetItemRow => ({ parentId: null, nodeId: null, createdMs: 0, updatedMs: 0, ...o });

describe('the machine class of a node', () => {
  it('is its machine’s from the Fleet tree, else group 2 rigid (machine null: assumed)', async () => {
    const db = new VigilDb('machine-class-1');
    expect(await machineClassOf(db, UID)).toEqual(ASSUMED_CLASS);
    expect(ASSUMED_CLASS).toEqual({ group: 2, foundation: 'rigid', machine: null, point: null });
    await db.fleetItems.bulkPut([
      item({ id: 's', kind: 'site', name: 'Plant' }),
      item({ id: 'l', kind: 'line', name: 'Hall', parentId: 's' }),
      item({ id: 'm', kind: 'machine', name: 'Fan F-9', parentId: 'l', machine: { group: 1, foundation: 'flexible', shaftHz: 0, bearing: null } }),
      item({ id: 'p', kind: 'point', name: 'Drive end', parentId: 'm', nodeId: UID }),
    ]);
    expect(await machineClassOf(db, UID)).toEqual({ group: 1, foundation: 'flexible', machine: 'Fan F-9', point: 'Drive end' });
    // Another node, not placed: assumed.
    expect(await machineClassOf(db, 'f'.repeat(24))).toEqual(ASSUMED_CLASS);
    db.close();
  });

  it('the health words follow the class: 3.5 mm/s is zone C for group 2 rigid, zone A for group 1 flexible', () => {
    const n = {
      path: '/dev/x',
      status: 'online',
      demo: false,
      link: 'serial',
      hello: { uid: UID, channels: ['x'] },
      condition: { alarm: null, detector: { kind: 'model', learnPercent: 0, modelVersion: 1 }, lastSeenMs: 0, latest: { windowIndex: 1, tUs: 1, atMs: 0, shaftHz: 0, velocityMmS: [3.5], anomalyScore: 1 } },
    } as unknown as NodeInfo;
    expect(nodeHealth(n).kind).toBe('zone-c');
    expect(nodeHealth(n, undefined, { group: 2, foundation: 'rigid' }).kind).toBe('zone-c');
    expect(nodeHealth(n, undefined, { group: 1, foundation: 'flexible' }).kind).toBe('healthy');
    expect(nodeHealth(n, undefined, { group: 1, foundation: 'rigid' }).kind).toBe('healthy');
    expect(nodeHealth({ ...n, condition: { ...n.condition!, latest: { ...n.condition!.latest!, velocityMmS: [7.5] } } }, undefined, { group: 1, foundation: 'rigid' }).kind).toBe('zone-d');
  });
});
