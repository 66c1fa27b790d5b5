/**
 * The model registry: every model version the app has built, with its lineage (data, labels,
 * parameters) and metrics, and which one the technician deployed. Kept in its own IndexedDB
 * database (`vigil-model-registry`), so it does not depend on the recordings schema; the .vgm file
 * (blob + app section, docs/model-format.md) is stored whole.
 *
 * Versions are monotonic: a new model gets the highest version ever registered + 1 (never reused,
 * even after a deletion), as the node's rollback protection expects.
 */
import Dexie, { type Table } from 'dexie';
import type { Lineage } from '../../../models/nn/appSection';
import type { CliSummary } from '../../../models/eval/report';

export type ModelStatus = 'candidate' | 'deployed' | 'retired';

export interface RegistryEntry {
  version: number;
  createdMs: number;
  /** The .vgm file: node blob + app section. */
  file: Uint8Array;
  blobBytes: number;
  architecture: string;
  channels: string[];
  lineage: Lineage;
  summary: CliSummary;
  status: ModelStatus;
  /** When the technician confirmed the deployment. */
  deployedMs: number | null;
  note: string;
}

interface Meta {
  key: string;
  value: number;
}

export class ModelRegistry extends Dexie {
  models!: Table<RegistryEntry, number>;
  meta!: Table<Meta, string>;

  constructor(name = 'vigil-model-registry') {
    super(name);
    this.version(1).stores({ models: 'version, createdMs, status', meta: 'key' });
  }

  async list(): Promise<RegistryEntry[]> {
    return this.models.orderBy('version').reverse().toArray();
  }

  /** The next model version: one more than any ever registered. */
  async nextVersion(): Promise<number> {
    const hi = (await this.meta.get('highestVersion'))?.value ?? 0;
    const last = (await this.models.orderBy('version').last())?.version ?? 0;
    return Math.max(hi, last) + 1;
  }

  async add(entry: Omit<RegistryEntry, 'status' | 'deployedMs'>): Promise<RegistryEntry> {
    return this.transaction('rw', this.models, this.meta, async () => {
      const next = await this.nextVersion();
      if (entry.version < next) throw new Error(`model version ${entry.version} is not new (next is ${next}); retrain to get a new version`);
      const row: RegistryEntry = { ...entry, status: 'candidate', deployedMs: null };
      await this.models.add(row);
      await this.meta.put({ key: 'highestVersion', value: entry.version });
      return row;
    });
  }

  /** Marks one version deployed (after the technician confirmed); the previously deployed one is retired. */
  async markDeployed(version: number, when = Date.now()): Promise<void> {
    await this.transaction('rw', this.models, async () => {
      const row = await this.models.get(version);
      if (!row) throw new Error(`there is no model version ${version}`);
      await this.models.where('status').equals('deployed').modify({ status: 'retired' });
      await this.models.update(version, { status: 'deployed', deployedMs: when });
    });
  }

  async deployed(): Promise<RegistryEntry | undefined> {
    return this.models.where('status').equals('deployed').first();
  }
}
