// Types of packaging/fuses.mjs (electron-builder loads the JavaScript; the tests import these).
import type { FuseV1Config } from '@electron/fuses';

export declare const FUSES: FuseV1Config;
export declare function afterPack(context: { packager: { addElectronFuses(context: unknown, fuses: FuseV1Config): Promise<unknown> } }): Promise<void>;
export default afterPack;
