// The layering between rooms is enforced by eslint.config.js; this checks that the rule really
// fires on a wrong import, and stays quiet on the allowed ones.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return r.messages.filter((m) => /bad layering/.test(m.message)).map((m) => m.message);
}

describe('room import rules', () => {
  it('models/ may not import Node, Electron or other rooms', async () => {
    expect(await layeringErrors('models/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
    expect(await layeringErrors('models/x.ts', "import { SerialPort } from 'serialport';\nexport const a = SerialPort;\n")).toHaveLength(1);
    expect(await layeringErrors('models/x.ts', "import { NodeManager } from '../main/node/manager';\nexport const a = NodeManager;\n")).toHaveLength(1);
    expect(await layeringErrors('models/x.ts', "import { crc32 } from './protocol/crc32';\nexport const a = crc32;\n")).toHaveLength(0);
  });
  it('renderer/ may import models/ (the API contract included) and nothing of main/', async () => {
    expect(await layeringErrors('renderer/src/x.ts', "import { NodeManager } from '../../main/node/manager';\nexport const a = NodeManager;\n")).toHaveLength(1);
    expect(await layeringErrors('renderer/src/x.ts', "import type { ApiService } from '../../main/api/service';\nexport type A = ApiService;\n")).toHaveLength(1);
    expect(await layeringErrors('renderer/src/x.ts', "import { blePath, type NodeInfo } from '../../models/api/contract';\nexport const a = blePath;\nexport type A = NodeInfo;\n")).toHaveLength(0);
    expect(await layeringErrors('renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(1);
    expect(await layeringErrors('renderer/src/x.ts', "import { crc32 } from '../../models/protocol/crc32';\nexport const a = crc32;\n")).toHaveLength(0);
  });
  it('the preload may import only electron and models/api', async () => {
    const at = 'main/electron/preload.ts';
    expect(await layeringErrors(at, "import { contextBridge } from 'electron';\nimport { isRequestChannel } from '../../models/api/contract';\nexport const a = [contextBridge, isRequestChannel];\n")).toHaveLength(0);
    expect(await layeringErrors(at, "import { crc32 } from '../../models/protocol/crc32';\nexport const a = crc32;\n")).toHaveLength(1);
    expect(await layeringErrors(at, "import { toErrorPayload } from '../api/service';\nexport const a = toErrorPayload;\n")).toHaveLength(1);
    expect(await layeringErrors(at, "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
  });
  it('main/ may not import the renderer', async () => {
    expect(await layeringErrors('main/x.ts', "import { App } from '../renderer/src/app/App';\nexport const a = App;\n")).toHaveLength(1);
    expect(await layeringErrors('main/x.ts', "import { crc32 } from '../models/protocol/crc32';\nexport const a = crc32;\n")).toHaveLength(0);
  });
});
