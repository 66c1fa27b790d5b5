// Electron fuses for the packaged app: switches compiled into the Electron binary that no flag,
// environment variable or script can turn back on. electron-builder runs this module as its
// `afterPack` hook (electron-builder.yml: `afterPack: ./packaging/fuses.mjs`), before signing;
// it flips the fuses through electron-builder's own addElectronFuses (which finds the binary on
// each platform) and @electron/fuses. Tested by test/unit/main/fuses.test.ts.
import { FuseV1Options, FuseVersion } from '@electron/fuses';

/** @type {import('@electron/fuses').FuseV1Config} */
export const FUSES = {
  version: FuseVersion.V1,
  // Every fuse this @electron/fuses knows must be set here: a new one fails the build, not silently.
  strictlyRequireAllFuses: true,
  // macOS arm64 refuses to start a binary whose ad-hoc signature no longer matches.
  resetAdHocDarwinSignature: true,
  // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node for any local process.
  [FuseV1Options.RunAsNode]: false,
  // Cookies and other session data encrypted at rest with the OS key store.
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS (--require a script) and --inspect would let anything that starts the app run code in it.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // The app's code comes from its app.asar only, and that archive must match its recorded hash.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The renderer loads from app:// (main/electron/appProtocol.ts); file:// pages get no extra rights.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/** electron-builder's afterPack hook: `context` is its AfterPackContext. */
export async function afterPack(context) {
  await context.packager.addElectronFuses(context, FUSES);
}

export default afterPack;
