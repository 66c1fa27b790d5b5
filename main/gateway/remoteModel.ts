/**
 * A model update of a node reached through a plant gateway (docs/gateway.md, "Model deployment"):
 * the same NodeModelUpdate and ModelSender a local session drives (main/ota/), with an UpdateHost
 * whose `post` is a Sparkplug DCMD. BEGIN, COMMIT, STATUS_REQ, ABORT and ROLLBACK travel as the node's
 * own SECURE frame, signed here with the pairing key this workstation holds; MODEL_CHUNK travels in
 * the clear (the image is signed with the same key, BEGIN's signed tag binds its SHA-256 and COMMIT
 * checks it before anything runs, docs/protocol.md 3.14). The gateway writes each frame to the node
 * and publishes the node's answer (ACK, NACK, MODEL_STATUS) as a reply DDATA, fed here into
 * NodeModelUpdate.onFrame. A window of chunks is in flight per node, each its own DCMD.
 *
 * The broker or the gateway going away is the link going down: nothing is sent, and when the node is
 * heard again (a DBIRTH, or its data after this workstation reconnected) the transfer asks
 * MODEL_STATUS and resumes from the offset the node holds, signed under the nonce the DBIRTH says.
 * The node runs its model until a COMMIT of the whole, checked image: an interrupted transfer never
 * changes what it runs. After the trial, a HELLO_REQ through the gateway gives the node a new link
 * nonce and tells the model it runs; the gateway sends the device's DBIRTH again with both.
 */
import type { ModelProgress } from '../../models/api/contract';
import { RELAY_HELLO_REQ, RELAY_MODEL_CHUNK, type RelayReply } from '../../models/gateway/commands';
import * as P from '../../models/protocol/index';
import { MODEL_CHUNK_DATA_MAX, MSG_MODEL_CHUNK } from '../../models/protocol/transfer';
import { deployModelFile, NodeModelUpdate, rollbackModelTo } from '../ota/nodeUpdate';
import type { RemoteCommands, RemoteNode } from './remote';

export interface RemoteModelOptions {
  /** Chunks in flight per node (default 8). */
  window?: number;
  /** Largest chunk data (default MODEL_CHUNK_DATA_MAX, lowered to a multiple of 4). */
  chunkMax?: number;
  /** A request without its answer is sent again after this long (default 3000 ms: broker, gateway and node). */
  timeoutMs?: number;
  /** MODEL_STATUS period while the model is on trial (default 1000 ms). */
  followMs?: number;
  /** How long the DBIRTH with the node's new model version is awaited after its HELLO (default 5000 ms). */
  birthWaitMs?: number;
  /** How long an update waits for a node out of reach before it fails (default 10 min). */
  downLimitMs?: number;
}

export interface RemoteModelHost {
  node(path: string): RemoteNode | undefined;
  progress(p: ModelProgress): void;
}

interface Entry {
  update: NodeModelUpdate;
  down: boolean;
  /** Ends an update whose node stays out of reach. */
  downTimer?: NodeJS.Timeout;
  /** The key the image and BEGIN are signed with (the pairing key, or a test's). */
  imageKey: Uint8Array;
}

export class RemoteModels {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly remote: RemoteCommands,
    private readonly host: RemoteModelHost,
    private readonly opts: RemoteModelOptions = {},
  ) {}

  /**
   * Starts sending a model file (.vgm), signed here with the node's pairing key (or `imageKey`:
   * tests sign with another to see the node refuse it); progress comes as 'node.model'.
   */
  deploy(path: string, file: Uint8Array, imageKey?: Uint8Array): ModelProgress {
    const n = this.remote.usable(path, 'model-update');
    this.remote.usable(path, 'secure');
    const key = this.remote.pairingKey(n);
    const e = this.entry(path, imageKey ?? key);
    return deployModelFile(e.update, file, e.imageKey, Date.now());
  }

  rollback(path: string, version: number): ModelProgress {
    const n = this.remote.usable(path, 'model-update');
    const e = this.entry(path, this.remote.pairingKey(n));
    return rollbackModelTo(e.update, version, Date.now());
  }

  status(path: string): ModelProgress | undefined {
    return this.entries.get(path)?.update.state;
  }

  /** The node is not reachable (this workstation lost the broker, the gateway or its node went offline). */
  linkDown(path: string): void {
    const e = this.entries.get(path);
    if (!e || e.down) return;
    e.down = true;
    e.update.linkDown();
    if (!e.update.busy) return;
    const limit = this.opts.downLimitMs ?? 600_000;
    const minutes = Math.round(limit / 60_000);
    e.downTimer = setTimeout(() => {
      e.downTimer = undefined;
      if (e.down) e.update.stop(`the node could not be reached through the gateway for ${minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(limit / 1000)} s`}: deploy again when it is back`);
    }, limit);
    e.downTimer.unref?.();
  }

  /** The node is heard again (a DBIRTH, or its data): an update in progress resumes from the node's offset. */
  linkUp(path: string): void {
    const e = this.entries.get(path);
    if (!e || !e.down) return;
    e.down = false;
    if (e.downTimer) clearTimeout(e.downTimer);
    e.downTimer = undefined;
    e.update.reconnected(Date.now());
  }

  /** A DBIRTH: its model version is what the node runs. */
  birth(path: string): void {
    const e = this.entries.get(path);
    const v = this.host.node(path)?.info.hello?.info?.modelVersion;
    if (e && v !== undefined) e.update.helloSaid(v);
    this.linkUp(path);
  }

  /** The entry is removed: nothing more is sent. */
  stopAll(): void {
    for (const e of this.entries.values()) {
      if (e.downTimer) clearTimeout(e.downTimer);
      e.update.stop();
    }
    this.entries.clear();
  }

  private entry(path: string, imageKey: Uint8Array): Entry {
    const e = this.entries.get(path);
    if (e) {
      if (!e.update.busy) e.imageKey = imageKey;
      return e;
    }
    const entry: Entry = {
      down: false,
      imageKey,
      update: new NodeModelUpdate(
        {
          path,
          post: (type, payload) => this.post(path, entry, type, payload),
          key: () => entry.imageKey,
          chunk: () => Math.floor(Math.min(this.opts.chunkMax ?? MODEL_CHUNK_DATA_MAX, MODEL_CHUNK_DATA_MAX) / 4) * 4,
          askHello: () => this.askHello(path, entry),
          progress: (p) => this.host.progress(p),
        },
        { window: this.opts.window ?? 8, timeoutMs: this.opts.timeoutMs ?? 3000, followMs: this.opts.followMs ?? 1000 },
      ),
    };
    this.entries.set(path, entry);
    return entry;
  }

  /** One request as a DCMD: MODEL_CHUNK in the clear, the rest inside SECURE signed with the pairing key. */
  private post(path: string, e: Entry, type: number, payload: Uint8Array): boolean {
    const n = this.host.node(path);
    if (!n || e.down) return false;
    let c;
    if (type === MSG_MODEL_CHUNK) c = this.remote.clearFrame(RELAY_MODEL_CHUNK, payload);
    else {
      let key: Uint8Array;
      try {
        key = this.remote.pairingKey(n);
      } catch {
        return false; // the key was removed meanwhile: the transfer times out and says so
      }
      c = this.remote.secureFrame(path, key, type, payload);
    }
    if (!c) return false;
    return this.remote.fire(path, c, (r) => this.onReply(e, r));
  }

  private onReply(e: Entry, r: RelayReply): void {
    if (r.result !== 'answered' || r.replyType === undefined || !r.reply) return; // not answered: the transfer's timeout sends it again
    // A SECURE refused as stale (AUTH_FAILED, REPLAY: the gateway's link shook hands again, another
    // workstation signed) needs nothing here: every reply carries the link's nonce and counter, which
    // RemoteCommands.onReply kept, and the request goes again on its timeout, signed anew.
    try {
      e.update.onFrame(r.replyType, r.reply);
    } catch {
      // a payload that does not decode: as if lost
    }
  }

  /**
   * HELLO_REQ through the gateway: the reply carries the node's HELLO (the model it runs); the
   * DBIRTH the gateway sends before it carries the new nonce. Waits until that DBIRTH is here (or
   * not, in time) so NodeInfo shows the model when the update's end is told.
   */
  private async askHello(path: string, e: Entry): Promise<void> {
    let version: number | undefined;
    try {
      const r = await this.remote.send(path, 'asking the node\'s HELLO', this.remote.clearFrame(RELAY_HELLO_REQ, new Uint8Array(0)));
      if (r.result === 'answered' && r.replyType === P.MSG_HELLO && r.reply) version = P.decodeHello(r.reply).info?.modelVersion;
    } catch {
      return; // no answer: the DBIRTH will tell when it comes
    }
    if (version === undefined) return;
    e.update.helloSaid(version);
    const until = Date.now() + (this.opts.birthWaitMs ?? 5000);
    while (Date.now() < until && this.host.node(path)?.info.hello?.info?.modelVersion !== version) await new Promise((r) => setTimeout(r, 50));
  }
}
