// The fuse settings electron-builder applies to the packaged app (packaging/fuses.mjs). There is
// no Electron binary here: the hook is given a FAKE packager that records what it is asked to flip.
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import * as fuses from '../../../packaging/fuses.mjs';

describe('Electron fuses (packaging/fuses.mjs)', () => {
  it('sets every fuse: no Node mode, no NODE_OPTIONS or --inspect, code from an intact asar only', () => {
    const want: Record<keyof typeof FuseV1Options, boolean> = {
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      LoadBrowserProcessSpecificV8Snapshot: false,
      GrantFileProtocolExtraPrivileges: false,
    };
    const byName = Object.fromEntries(Object.entries(want).map(([name, on]) => [FuseV1Options[name as keyof typeof FuseV1Options], on]));
    expect(fuses.FUSES).toEqual({ version: FuseVersion.V1, strictlyRequireAllFuses: true, resetAdHocDarwinSignature: true, ...byName });
    // Every fuse the installed @electron/fuses knows is set (strictlyRequireAllFuses would fail the build otherwise).
    const known = Object.values(FuseV1Options).filter((v) => typeof v === 'number');
    expect(known.every((i) => typeof fuses.FUSES[i] === 'boolean')).toBe(true);
  });
  it('is an afterPack hook that flips them through electron-builder', async () => {
    const calls: unknown[][] = [];
    const context = { appOutDir: '/tmp/out', electronPlatformName: 'linux', packager: { addElectronFuses: async (...a: unknown[]) => calls.push(a) } };
    await fuses.afterPack(context);
    expect(calls).toEqual([[context, fuses.FUSES]]);
    expect(fuses.default).toBe(fuses.afterPack);
  });
});
