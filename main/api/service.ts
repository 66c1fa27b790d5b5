/**
 * The API handlers: one function per request channel, on top of the NodeManager. Both transports
 * (Electron IPC in main/electron/main.ts, the WebSocket in main/host/server.ts) call `handle`,
 * which validates the arguments first, so neither can skip validation.
 */
import { ApiError, validateRequest, type ArgsOf, type RequestChannel, type ResultOf } from './contract';
import type { NodeManager } from '../node/manager';

export class ApiService {
  constructor(readonly manager: NodeManager) {}

  async handle(channel: unknown, args: unknown): Promise<unknown> {
    const v = validateRequest(channel, args);
    return this.dispatch(v.channel, v.args);
  }

  private async dispatch<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    const m = this.manager;
    const a = args as Record<string, unknown>;
    switch (channel) {
      case 'ports.list':
        return (await m.listPorts()) as ResultOf<C>;
      case 'nodes.list':
        return m.listNodes() as ResultOf<C>;
      case 'nodes.connect':
        return (await m.connect(a.path as string)) as ResultOf<C>;
      case 'nodes.disconnect':
        await m.disconnect(a.path as string);
        return { ok: true } as ResultOf<C>;
      case 'demo.start':
        return (await m.startDemo((a.recording as ArgsOf<'demo.start'>['recording']) ?? 'cwru-normal')) as ResultOf<C>;
      case 'demo.stop':
        await m.stopDemo(a.path as string);
        return { ok: true } as ResultOf<C>;
      case 'nodes.pair':
        return (await m.pair(a.path as string, a.name as string | undefined)) as ResultOf<C>;
      case 'nodes.config.get':
        return (await m.getConfig(a.path as string)) as ResultOf<C>;
      case 'nodes.config.set':
        return (await m.setConfig(a.path as string, a.changes as ArgsOf<'nodes.config.set'>['changes'])) as ResultOf<C>;
      case 'nodes.stream': {
        const s = args as ArgsOf<'nodes.stream'>;
        return (await m.setStream(s.path, { features: s.features, raw: s.raw, rawDecimation: s.rawDecimation })) as ResultOf<C>;
      }
      case 'nodes.time':
        return (await m.syncTime(a.path as string)) as ResultOf<C>;
      case 'nodes.ping':
        return (await m.ping(a.path as string)) as ResultOf<C>;
      case 'ble.open':
        return (await m.bleOpen(a.deviceId as string)) as ResultOf<C>;
      case 'ble.rx':
        m.bleRx(a.path as string, a.data as string);
        return { ok: true } as ResultOf<C>;
      case 'ble.closed':
        m.bleClosed(a.path as string, a.reason as string | undefined);
        return { ok: true } as ResultOf<C>;
      case 'ble.select':
        // The Electron shell answers it (main/electron/ipc.ts, its device picker); browser mode has none.
        throw new ApiError('not-found', 'There is no Bluetooth device list to choose from here: the browser shows its own.');
      default:
        throw new ApiError('bad-request', `unknown request channel ${String(channel)}`);
    }
  }
}

/** Turns any thrown value into the plain-words error shape both transports send. */
export function toErrorPayload(e: unknown): { code: string; message: string } {
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
