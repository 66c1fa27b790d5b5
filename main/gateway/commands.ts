/**
 * The gateway's side of a workstation's command (docs/gateway.md, "Commands", "Model deployment"):
 * a Sparkplug DCMD to one of its devices carries one node protocol frame, a SECURE signed by the
 * workstation with the node's pairing key (or in the clear the read-only CONFIG_GET, a MODEL_CHUNK
 * of a transfer a signed BEGIN opened, HELLO_REQ; or RELAY_STATE, which asks the gateway only for
 * the link nonce and counter). The gateway holds no key and checks no tag: it checks that the frame
 * is one it forwards, writes it to the node with the workstation's seq, and publishes the node's
 * answer frame (ACK, NACK with its reason, CONFIG, MODEL_STATUS, HELLO) as a DDATA naming the
 * command's id, with the link's nonce and the highest SECURE counter it forwarded under that nonce,
 * so a workstation can sign its next command. The node decides what it accepts. */
import { ApiError, type NodeInfo } from '../../models/api/contract';
import {
  decodeCommand,
  linkBirthMetrics,
  RELAY_HELLO_REQ,
  RELAY_MODEL_CHUNK,
  RELAY_SECURE,
  RELAY_STATE,
  replyMetrics,
  type DecodedMetric,
  type RelayReply,
} from '../../models/gateway/commands';
import { deviceId, type Metric } from '../../models/gateway/sparkplug';
import { MSG_ACK, MSG_CONFIG_SET, MSG_HELLO, MSG_STREAM } from '../../models/protocol/index';
import { MSG_MODEL_STATUS_REQ } from '../../models/protocol/transfer';
import type { NodeManager } from '../node/manager';

/** What the gateway needs of the NodeManager to forward commands. */
export type CommandTarget = Pick<NodeManager, 'listNodes' | 'relay' | 'linkNonce' | 'askHello'>;

export interface CommandHooks {
  /** Publishes a DDATA for the device now (dropped while the gateway has no broker: the workstation times out). */
  publish(device: string, metrics: Metric[]): void;
  /** The device's DBIRTH again (its name, stream or configuration changed). */
  rebirth(path: string): void;
  log(line: string): void;
}

const NAMES: Record<number, string> = {
  0x01: 'HELLO_REQ',
  0x08: 'CONFIG_GET',
  0x0a: 'CONFIG_SET',
  0x0b: 'STREAM',
  0x20: 'MODEL_BEGIN',
  0x21: 'MODEL_CHUNK',
  0x22: 'MODEL_COMMIT',
  0x23: 'MODEL_ABORT',
  0x24: 'MODEL_STATUS_REQ',
  0x25: 'MODEL_ROLLBACK',
};

export class GatewayCommands {
  /** Per node path: the nonce last seen and the highest SECURE counter forwarded under it. */
  private readonly secure = new Map<string, { nonce: string; counter: number }>();

  constructor(
    private readonly target: CommandTarget,
    private readonly hooks: CommandHooks,
  ) {}

  /** The node's link facts for its DBIRTH: key id, capabilities, stream, nonce and counter. */
  birthMetrics(info: NodeInfo, t: number): Metric[] {
    const s = this.state(info.path);
    return linkBirthMetrics(info, s.nonce, s.counter, t);
  }

  /** One DCMD for `device`; answers with one DDATA (unless the command has no id to answer). */
  async onCommand(device: string, metrics: DecodedMetric[]): Promise<void> {
    const d = decodeCommand(metrics);
    const info = this.target.listNodes().find((n) => deviceId(n) === device && n.link !== 'gateway');
    const answer = (r: Omit<RelayReply, 'nonce' | 'counter'>) => {
      const s = info ? this.state(info.path) : { nonce: '', counter: 0 };
      this.hooks.publish(device, replyMetrics({ ...r, ...s }, Date.now()));
    };
    if (!d.ok) {
      this.hooks.log(`refused a command for ${device}: ${d.message}`);
      if (d.id) answer({ id: d.id, result: 'refused', message: `The gateway did not forward the command: ${d.message}.` });
      return;
    }
    const c = d.command;
    if (!info) return answer({ id: c.id, result: 'offline', message: `The gateway has no node ${device}.` });
    if (c.type === RELAY_STATE) return answer({ id: c.id, result: 'state' });
    if (info.status !== 'online') return answer({ id: c.id, result: 'offline', message: `The node is ${info.status} at the gateway.` });
    const inner = c.type === RELAY_SECURE ? c.payload[4] : c.type;
    // Chunks and status requests of a model transfer come by the hundred: the log names the rest.
    if (inner !== RELAY_MODEL_CHUNK && inner !== MSG_MODEL_STATUS_REQ) this.hooks.log(`command ${c.type === RELAY_SECURE ? 'SECURE ' : ''}${NAMES[inner] ?? inner} for ${info.hello?.name ?? device} from ${c.origin || 'a workstation'} (seq ${c.seq})`);
    if (c.type === RELAY_HELLO_REQ) return this.hello(info.path, c.id, answer);
    if (c.type === RELAY_SECURE) {
      // Counted before it is written: the node may accept it, and the next must be above it.
      const s = this.state(info.path);
      const counter = new DataView(c.payload.buffer, c.payload.byteOffset, c.payload.byteLength).getUint32(0, true);
      s.counter = Math.max(s.counter, counter);
    }
    let f;
    try {
      f = await this.target.relay(info.path, c.type, c.seq, c.payload);
    } catch (e) {
      // A seq still waiting on the link (port-busy) is the workstation's to change; anything else is the link.
      const busy = e instanceof ApiError && e.code === 'port-busy';
      return answer({ id: c.id, result: busy ? 'refused' : 'offline', message: `The gateway could not write to the node: ${(e as Error).message}.` });
    }
    if (!f) return answer({ id: c.id, result: 'no-answer', message: 'The node did not answer the gateway in time.' });
    answer({ id: c.id, result: 'answered', replyType: f.type, reply: f.payload });
    if (f.type === MSG_ACK && c.type === RELAY_SECURE && (inner === MSG_CONFIG_SET || inner === MSG_STREAM)) this.hooks.rebirth(info.path);
  }

  /**
   * HELLO_REQ: the node answers with a new link nonce (and the model it runs), so the device's DBIRTH
   * goes again first, carrying both to every workstation; then the reply with the HELLO as it came.
   */
  private async hello(path: string, id: string, answer: (r: Omit<RelayReply, 'nonce' | 'counter'>) => void): Promise<void> {
    let payload: Uint8Array | undefined;
    try {
      payload = await this.target.askHello(path);
    } catch (e) {
      return answer({ id, result: 'offline', message: `The gateway could not write to the node: ${(e as Error).message}.` });
    }
    if (!payload) return answer({ id, result: 'no-answer', message: 'The node did not answer the gateway in time.' });
    this.hooks.rebirth(path);
    answer({ id, result: 'answered', replyType: MSG_HELLO, reply: payload });
  }

  private state(path: string): { nonce: string; counter: number } {
    const nonce = this.target.linkNonce(path);
    let s = this.secure.get(path);
    // A new nonce (the gateway's session shook hands again) starts the node's counter again.
    if (!s || s.nonce !== nonce) this.secure.set(path, (s = { nonce, counter: 0 }));
    return s;
  }
}
