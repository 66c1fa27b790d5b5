/**
 * A model file (.vgm) into the model store (renderer/src/db/models.ts): a model trained on another
 * laptop or by `vigil train`, opened with the app. `planModelImport` reads and checks the file as
 * `vigil inspect` does (format and CRC, the unpaired key's tag that files on disk carry, the app
 * section's shape, the self-test) and says what adding it would do, writing nothing;
 * `applyModelImport` adds it.
 *
 * Versions: the store gives every model a version above any given before on this laptop, as a
 * node's rollback protection expects (it refuses a model older than the one it runs). A file whose
 * version is not above them is stored under the next version, its blob rewritten with that version
 * (and the unpaired key's tag, as every file on disk); the note says so. The same model already in
 * the store (the same blob) is not added twice.
 */
import { checkAppSection, type AppSection } from '../../../models/nn/appSection';
import { featureSpecKey } from '../../../models/features/spec';
import { runInt8 } from '../../../models/nn/int8';
import { ModelFormatError, readVgmFile, UNPAIRED_KEY, verifyModelTag, writeModelBlob, writeVgmFile } from '../../../models/nn/modelFile';
import type { Int8Autoencoder } from '../../../models/nn/types';
import { t } from '../i18n';
import type { VigilDb } from './db';
import { addModel, nextModelVersion } from './models';
import type { ModelRow } from './types';

export interface ModelImportPlan {
  fileName: string;
  /** The model version written in the file. */
  fileVersion: number;
  /** The version it gets in this store (fileVersion when that is new here). */
  storeAs: number;
  /** Set when the store holds this very model already: nothing is added. */
  existing: ModelRow | null;
  architecture: string;
  channels: string[];
  specKey: string;
  /** "48000 Hz, window 1024, hop 512, 32 bands". */
  specWords: string;
  app: AppSection | undefined;
  /** The file's node blob and the model read from it. */
  blob: Uint8Array;
  model: Int8Autoencoder;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads and checks a .vgm file and says what adding it to the store would do; writes nothing. */
export async function planModelImport(db: VigilDb, bytes: Uint8Array, fileName: string): Promise<ModelImportPlan> {
  const f = readVgmFile<unknown>(bytes);
  const app: unknown = f.app;
  checkAppSection(app);
  if (!verifyModelTag(f.blob, UNPAIRED_KEY)) {
    throw new ModelFormatError(t('files.model.badTag'));
  }
  const m = f.model;
  const st = runInt8(m, m.selfTest.input);
  const selfTestOk = st.sumsq === m.selfTest.sumsq && st.qIn.every((v, i) => v === m.selfTest.qIn[i]) && st.layers[st.layers.length - 1].every((v, i) => v === m.selfTest.qOut[i]);
  if (!selfTestOk) throw new ModelFormatError(t('files.model.selfTest'));
  const stored = await db.models.toArray();
  const existing = stored.find((r) => sameBytes(r.blob, bytes) || sameBytes(r.blob, f.blob)) ?? null;
  const next = await nextModelVersion(db);
  const s = m.spec;
  return {
    fileName,
    fileVersion: m.modelVersion,
    storeAs: existing ? existing.version : Math.max(m.modelVersion, next),
    existing,
    architecture: [m.mean.length, ...m.layers.map((l) => l.outDim)].join('-'),
    channels: app?.lineage?.channels?.length ? app.lineage.channels : m.axes.map((a) => t('files.model.nodeAxis', { axis: a })),
    specKey: featureSpecKey(s),
    // Plain integers, as the spec is written everywhere else ("48000 Hz, window 1024").
    specWords: t('files.model.spec', { rate: String(s.sampleRateHz), window: String(s.windowLen), hop: String(s.hop), bands: String(s.bandEdges.length - 1) }),
    app,
    blob: f.blob,
    model: m,
  };
}

/** Adds a planned model to the store (under plan.storeAs). */
export async function applyModelImport(db: VigilDb, plan: ModelImportPlan, actor: string): Promise<ModelRow> {
  if (plan.existing) throw new Error(t('files.model.already', { file: plan.fileName, name: plan.existing.name }));
  const renumbered = plan.storeAs !== plan.fileVersion;
  const blob = renumbered ? writeModelBlob({ ...plan.model, modelVersion: plan.storeAs }) : plan.blob;
  const file = writeVgmFile(blob, plan.app);
  return addModel(db, {
    version: plan.storeAs,
    nodeId: null,
    kind: 'autoencoder-int8',
    specKey: plan.specKey,
    blob: file,
    blobBytes: blob.length,
    architecture: plan.architecture,
    channels: plan.channels,
    lineage: plan.app?.lineage ?? null,
    summary: null,
    verdict: '',
    note: renumbered
      ? t('files.model.noteRenumbered', { file: plan.fileName, fileVersion: plan.fileVersion, storeAs: plan.storeAs })
      : t('files.model.note', { file: plan.fileName }),
    meta: { openedFrom: plan.fileName, fileVersion: plan.fileVersion },
    actor,
  });
}
