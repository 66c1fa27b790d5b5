/**
 * The ISO 20816-3 class (machine group and foundation) of the machine a node is placed on in the
 * Fleet page's asset tree, for every page that judges a node's velocity: the Live card's zones and
 * health words, the Nodes page's health, the live analysis's zone bands. A node not placed on a
 * machine is judged as group 2 (15–300 kW) on a rigid foundation, and the pages say so.
 */
import { useContext } from 'react';
import type { VigilDb } from '../db/db';
import { StorageContext, useLiveQuery } from '../storage/services';
import type { Foundation, MachineGroup } from './machineState';

export interface MachineClass {
  group: MachineGroup;
  foundation: Foundation;
  /** The machine and point the node is placed on; null when it is not placed (the class is assumed). */
  machine: string | null;
  point: string | null;
}

export const ASSUMED_CLASS: MachineClass = { group: 2, foundation: 'rigid', machine: null, point: null };

/** The class of the machine node `uid` is placed on, or the assumed one. */
export async function machineClassOf(db: VigilDb, uid: string): Promise<MachineClass> {
  if (!uid) return ASSUMED_CLASS;
  const point = await db.fleetItems.where('nodeId').equals(uid).first();
  const machine = point?.parentId ? await db.fleetItems.get(point.parentId) : undefined;
  if (!point || !machine?.machine) return ASSUMED_CLASS;
  return { group: machine.machine.group, foundation: machine.machine.foundation, machine: machine.name, point: point.name };
}

/**
 * machineClassOf, kept current as the Fleet tree changes (the assumed class where no storage is
 * open); `loaded` once the tree has been read, so words about the class wait for it.
 */
export function useMachineClass(uid: string | undefined): MachineClass & { loaded: boolean } {
  const db = useContext(StorageContext)?.db ?? null;
  const q = useLiveQuery(() => (db ? machineClassOf(db, uid ?? '') : Promise.resolve(ASSUMED_CLASS)), [db, uid], ASSUMED_CLASS);
  return { ...q.value, loaded: q.loaded || db === null };
}
