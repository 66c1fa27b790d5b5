/**
 * The old model registry, a database of its own (`vigil-model-registry`): every model version the
 * app built before the one model store, with its lineage and metrics, and which one the technician
 * marked deployed. The app no longer writes it: schema version 3 of the app's database copies it
 * into the `models` and `deployments` tables (renderer/src/db/schema.ts, readLegacyRegistry below)
 * and leaves it in place, untouched. The class stays so tests can write an old registry.
 *
 * Versions are monotonic: a new model gets the highest version ever registered + 1 (never reused,
 * even after a deletion), as the node's rollback protection expects.
 */
import Dexie, { type Table } from 'dexie';
import type { Lineage } from '../../../models/nn/appSection';
import type { CliSummary } from '../../../models/eval/report';
import { msg, MsgError } from '../../../models/i18n/msg';

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

export const LEGACY_REGISTRY_NAME = 'vigil-model-registry';

export class ModelRegistry extends Dexie {
  models!: Table<RegistryEntry, number>;
  meta!: Table<Meta, string>;

  constructor(name = LEGACY_REGISTRY_NAME) {
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
      if (entry.version < next) throw new MsgError(msg('problems.store.registryVersionNotNew', { version: String(entry.version), next: String(next) }));
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

/** Every entry of the old registry and its highest version ever given, or null when there is none. */
export async function readLegacyRegistry(name = LEGACY_REGISTRY_NAME): Promise<{ entries: RegistryEntry[]; highestVersion: number } | null> {
  if (!(await Dexie.exists(name))) return null;
  const r = new ModelRegistry(name);
  try {
    await r.open();
    const entries = await r.models.orderBy('version').toArray();
    const hi = (await r.meta.get('highestVersion'))?.value ?? 0;
    return { entries, highestVersion: Math.max(hi, ...entries.map((e) => e.version)) };
  } finally {
    r.close();
  }
}
