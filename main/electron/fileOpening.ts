/**
 * How the Electron shell hands files it is opened with to main/files/openedFiles.ts, kept free of
 * the `electron` import so it can be tested where the Electron binary is absent. Three ways in:
 *  - the first start's command line (process.argv: a file manager's double-click, `vigil FILE`);
 *  - a second start: it fails the single-instance lock and quits, and Electron gives its argv and
 *    working directory to the running app ('second-instance'), which comes to the front;
 *  - macOS 'open-file' (Finder, the Dock), which may fire before the app is ready.
 * Each path is checked by OpenedFiles and announced to the page ('file.opened'); one that arrives
 * before the page listens waits there until the page asks ('files.opened').
 */
import { openedPathsFromArgv, type OpenedFiles } from '../files/openedFiles';

export interface FileOpeningOptions {
  /** Electron's process.defaultApp: started as `electron main.cjs ...`, so argv names the app first. */
  defaultApp: boolean;
  /** Where a refusal is logged (the page shows it too). */
  log: (line: string) => void;
}

export class FileOpening {
  constructor(
    private readonly files: OpenedFiles,
    private readonly o: FileOpeningOptions,
  ) {}

  /** The files on a command line (the first start's process.argv, or a second start's argv). */
  async fromArgv(argv: readonly string[], cwd: string): Promise<void> {
    await this.open(openedPathsFromArgv(argv, { appPathArg: this.o.defaultApp, cwd }));
  }

  /** macOS 'open-file': one path, absolute. */
  async openFile(path: string): Promise<void> {
    await this.open([path]);
  }

  private async open(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    for (const n of await this.files.open(paths)) if ('error' in n) this.o.log(`vigil: not opened: ${n.error}`);
  }
}
