/**
 * Plant gateways as the workstation sees them (docs/gateway.md, "Workstations"): the entries the app
 * subscribes to, the nodes reached through them, and the checks on their arguments. Part of the API
 * contract (re-exported by contract.ts).
 */
import { ApiError } from './errors';

/** Where a node reached through a plant gateway comes from. */
export interface NodeGatewayRef {
  /** The workstation's gateway entry (GatewayInfo.id). */
  id: string;
  group: string;
  /** The gateway's Sparkplug edge node id. */
  edge: string;
  /** The node's Sparkplug device id (its uid). */
  device: string;
}

/** A plant gateway's broker this workstation subscribes to (docs/gateway.md, "Workstations"). The password is never sent back. */
export interface GatewayInfo {
  id: string;
  url: string;
  caPath?: string;
  username?: string;
  hasPassword: boolean;
  /** The Sparkplug group subscribed to (spBv1.0/GROUP/#). */
  group: string;
  /**
   * 'connecting' before the first CONNACK; 'connected'; 'reconnecting' while the broker cannot be
   * reached (lost, not answering; retried every second); 'refused' when it or its certificate says
   * no (credentials, ACL, a certificate that does not chain or name the host; retried too). message says why.
   */
  state: 'connecting' | 'connected' | 'reconnecting' | 'refused';
  message?: string;
  /** The gateways (edge node ids) heard on this broker, and whether each is alive (NBIRTH seen, no NDEATH since). */
  edges: { edge: string; online: boolean }[];
  /** Nodes heard through this broker, and how many of them are online. */
  nodes: number;
  online: number;
  /** Gap fill (docs/gateway.md): windows missed on the way and asked of the gateway's history. */
  gapFill: GatewayGapFill;
}

/** A workstation's gap-fill counters for one broker, since the app started. */
export interface GatewayGapFill {
  /** Jumps in a node's window_index noticed, and the windows missing in them. */
  gaps: number;
  missingWindows: number;
  /** Missing windows the gateway sent back from its history. */
  filledWindows: number;
  /** Missing windows not recovered (the history no longer held them, or no answer came): recorded as a gap. */
  lostWindows: number;
  /** Windows heard a second time and dropped. */
  duplicates: number;
  /** Sparkplug messages never heard (a jump in seq). */
  seqGaps: number;
}

/** A gateway's broker to add: mqtt:// or mqtts:// URL, PEM CA file path, MQTT user name and password, Sparkplug group. */
export interface GatewayAdd {
  url: string;
  caPath?: string;
  username?: string;
  password?: string;
  group: string;
}

const SPARKPLUG_ID = '[A-Za-z0-9_.:-]{1,64}';
export const SPARKPLUG_ID_RE = new RegExp(`^${SPARKPLUG_ID}$`);
export const GATEWAY_PATH_RE = new RegExp(`^gateway:${SPARKPLUG_ID}/${SPARKPLUG_ID}/${SPARKPLUG_ID}$`);
export const GATEWAY_ID_RE = /^[0-9a-f]{16}$/;
export const GATEWAY_URL_MAX = 512;
export const GATEWAY_CA_PATH_MAX = 1024;
export const GATEWAY_USER_MAX = 256;
export const GATEWAY_PASSWORD_MAX = 256;

/** The path of a node reached through a gateway. */
export function gatewayNodePath(group: string, edge: string, device: string): string {
  return `gateway:${group}/${edge}/${device}`;
}

/** mqtt:// or mqtts://, a host name or address, an optional port 1..65535, nothing else (no user:password@, no path). */
export function brokerUrl(v: unknown, channel: string): string {
  const m = typeof v === 'string' && v.length <= GATEWAY_URL_MAX ? /^mqtts?:\/\/([A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::(\d{1,5}))?\/?$/.exec(v) : null;
  if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
    throw new ApiError('bad-request', `${channel}: "url" must be mqtts://HOST:PORT or mqtt://HOST:PORT (at most ${GATEWAY_URL_MAX} characters, no user name or path in it)`);
  }
  return v as string;
}

/** An absolute file path (its existence and kind are checked by main, which can see the disk). */
export function filePath(v: unknown, channel: string, key: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > GATEWAY_CA_PATH_MAX || /[\u0000-\u001f\u007f]/.test(v) || !/^(\/|[A-Za-z]:[\\/])/.test(v)) {
    throw new ApiError('bad-request', `${channel}: "${key}" must be an absolute file path of 1 to ${GATEWAY_CA_PATH_MAX} characters`);
  }
  return v;
}
