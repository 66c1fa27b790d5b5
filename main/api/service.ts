/**
 * The API handlers: one function per request channel, on top of the NodeManager. Both transports
 * (Electron IPC in main/electron/main.ts, the WebSocket in main/host/server.ts) call `handle`,
 * which validates the arguments first, so neither can skip validation.
 */
import { ApiError, validateRequest, type ApiReply, type ArgsOf, type RequestChannel, type ResultOf } from '../../models/api/contract';
import { OpenedFiles } from '../files/openedFiles';
import type { EventListener, NodeManager } from '../node/manager';

type Handlers = { [C in RequestChannel]: (args: ArgsOf<C>) => ResultOf<C> | Promise<ResultOf<C>> };

const OK = { ok: true } as const;

export class ApiService {
  private readonly handlers: Handlers;
  private readonly fileListeners = new Set<EventListener>();
  /** The files the app was opened with (main/files/openedFiles.ts); their 'file.opened' goes to every subscriber. */
  readonly files = new OpenedFiles((notice) => {
    for (const l of this.fileListeners) {
      try {
        l('file.opened', notice);
      } catch {
        // One broken listener (a closed socket) must not stop the others.
      }
    }
  });

  constructor(readonly manager: NodeManager) {
    const m = manager;
    const files = this.files;
    this.handlers = {
      'ports.list': () => m.listPorts(),
      'nodes.list': () => m.listNodes(),
      'nodes.connect': (a) => m.connect(a.path),
      'nodes.disconnect': async (a) => (await m.disconnect(a.path), OK),
      'demo.start': (a) => m.startDemo(a.recording ?? 'cwru-normal'),
      'demo.stop': async (a) => (await m.stopDemo(a.path), OK),
      'nodes.pair': (a) => m.pair(a.path, a.name),
      'nodes.config.get': (a) => m.getConfig(a.path),
      'nodes.config.set': (a) => m.setConfig(a.path, a.changes),
      'nodes.stream': (a) => m.setStream(a.path, { features: a.features, raw: a.raw, rawDecimation: a.rawDecimation }),
      'nodes.time': (a) => m.syncTime(a.path),
      'nodes.ping': (a) => m.ping(a.path),
      'nodes.model.deploy': (a) => m.deployModel(a.path, a.model),
      'nodes.model.rollback': (a) => m.rollbackModel(a.path, a.version),
      'nodes.model.status': (a) => m.modelStatus(a.path),
      'ble.open': (a) => m.bleOpen(a.deviceId),
      'ble.rx': (a) => (m.bleRx(a.path, a.data), OK),
      'ble.closed': (a) => (m.bleClosed(a.path, a.reason), OK),
      // The Electron shell answers it (main/electron/ipc.ts, its device picker); browser mode has none.
      'ble.select': () => {
        throw new ApiError('not-found', 'There is no Bluetooth device list to choose from here: the browser shows its own.');
      },
      // The Electron shell prints (main/electron/ipc.ts); in browser mode the page uses the browser's print.
      'report.pdf': () => {
        throw new ApiError('unsupported', 'Printing to a PDF file is done by the desktop app; in the browser, use Print and choose "Save as PDF".');
      },
      'files.opened': () => files.pending(),
      'files.read': (a) => files.read(a.id, a.offset),
      'gateways.list': () => m.gateways.list(),
      'gateways.add': (a) => m.gateways.add(a),
      'gateways.remove': async (a) => (await m.gateways.remove(a.id), OK),
    };
    // The app's saved gateways (main/gateway/workstation.ts) connect when it starts.
    m.gateways.restore();
  }

  /** Every event for the page: the nodes' (NodeManager) and the opened files'. Returns the unsubscribe. */
  subscribe(listener: EventListener): () => void {
    const off = this.manager.subscribe(listener);
    this.fileListeners.add(listener);
    return () => {
      off();
      this.fileListeners.delete(listener);
    };
  }

  async handle(channel: unknown, args: unknown): Promise<unknown> {
    return this.run(validateRequest(channel, args));
  }

  private async run<C extends RequestChannel>(r: { channel: C; args: ArgsOf<C> }): Promise<ResultOf<C>> {
    const handler: Handlers[C] = this.handlers[r.channel];
    return handler(r.args);
  }
}

/** Turns any thrown value into the plain-words error shape both transports send. */
export function toErrorPayload(e: unknown): Extract<ApiReply, { ok: false }>['error'] {
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}
