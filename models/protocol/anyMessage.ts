/**
 * Any message of the link decoded by its type (protocol 1.0 and 1.1 messages alike).
 */
import { decodeEvent, decodeFeatures, decodeHello, decodeSamplesIn, MSG_EVENT, MSG_FEATURES, MSG_HELLO, MSG_HELLO_REQ, MSG_SAMPLES_IN, type AnomalyEvent, type Features, type Hello, type SamplesIn } from './messages';
import { MSG_PAIR, MSG_ACK, MSG_NACK, MSG_PING, MSG_PONG, MSG_CONFIG_GET, MSG_CONFIG, MSG_CONFIG_SET, MSG_STREAM, MSG_TIME_REQ, MSG_TIME, MSG_SECURE, MSG_RAW_BLOCK, MSG_LOG } from './linkCommon';
import { type Ack, type Nack, decodeAck, decodeNack, type Pair, decodePair, decodePing, type StreamRequest, decodeStream, type TimeReply, decodeTimeReq, decodeTime, type LogMessage, decodeLog } from './linkMessages';
import { type ConfigEntry, decodeConfigEntries } from './configMessages';
import { type SecureMessage, decodeSecure } from './secureMessages';
import { type RawBlockMessage, decodeRawBlock } from './rawBlock';
// ---------------------------------------------------------------------------------------------
// Any message by type

export type DecodedMessage =
  | { type: typeof MSG_HELLO_REQ | typeof MSG_CONFIG_GET }
  | { type: typeof MSG_HELLO; hello: Hello }
  | { type: typeof MSG_PAIR; pair: Pair }
  | { type: typeof MSG_ACK; ack: Ack }
  | { type: typeof MSG_NACK; nack: Nack }
  | { type: typeof MSG_PING | typeof MSG_PONG; data: Uint8Array }
  | { type: typeof MSG_CONFIG | typeof MSG_CONFIG_SET; entries: ConfigEntry[] }
  | { type: typeof MSG_STREAM; stream: StreamRequest }
  | { type: typeof MSG_TIME_REQ; hostTimeUs: number }
  | { type: typeof MSG_TIME; time: TimeReply }
  | { type: typeof MSG_SECURE; secure: SecureMessage }
  | { type: typeof MSG_FEATURES; features: Features }
  | { type: typeof MSG_EVENT; event: AnomalyEvent }
  | { type: typeof MSG_RAW_BLOCK; raw: RawBlockMessage }
  | { type: typeof MSG_SAMPLES_IN; samples: SamplesIn }
  | { type: typeof MSG_LOG; log: LogMessage };

/** Every message type of section 3 this codec knows. */
export const KNOWN_TYPES: readonly number[] = [
  MSG_HELLO_REQ, MSG_HELLO, MSG_PAIR, MSG_ACK, MSG_NACK, MSG_PING, MSG_PONG, MSG_CONFIG_GET, MSG_CONFIG, MSG_CONFIG_SET,
  MSG_STREAM, MSG_TIME_REQ, MSG_TIME, MSG_SECURE, MSG_FEATURES, MSG_EVENT, MSG_RAW_BLOCK, MSG_SAMPLES_IN, MSG_LOG,
];

/**
 * Decodes the payload of a frame of any known type; null for a type this codec does not know (the
 * session counts it as unknownType). Throws PayloadError, and nothing else, for a bad payload.
 * HELLO_REQ and CONFIG_GET are empty: trailing bytes are ignored (extension rule).
 */
export function decodeMessage(type: number, p: Uint8Array): DecodedMessage | null {
  switch (type) {
    case MSG_HELLO_REQ:
    case MSG_CONFIG_GET:
      return { type };
    case MSG_HELLO:
      return { type, hello: decodeHello(p) };
    case MSG_PAIR:
      return { type, pair: decodePair(p) };
    case MSG_ACK:
      return { type, ack: decodeAck(p) };
    case MSG_NACK:
      return { type, nack: decodeNack(p) };
    case MSG_PING:
    case MSG_PONG:
      return { type, data: decodePing(p) };
    case MSG_CONFIG:
    case MSG_CONFIG_SET:
      return { type, entries: decodeConfigEntries(p) };
    case MSG_STREAM:
      return { type, stream: decodeStream(p) };
    case MSG_TIME_REQ:
      return { type, hostTimeUs: decodeTimeReq(p) };
    case MSG_TIME:
      return { type, time: decodeTime(p) };
    case MSG_SECURE:
      return { type, secure: decodeSecure(p) };
    case MSG_FEATURES:
      return { type, features: decodeFeatures(p) };
    case MSG_EVENT:
      return { type, event: decodeEvent(p) };
    case MSG_RAW_BLOCK:
      return { type, raw: decodeRawBlock(p) };
    case MSG_SAMPLES_IN:
      return { type, samples: decodeSamplesIn(p) };
    case MSG_LOG:
      return { type, log: decodeLog(p) };
    default:
      return null;
  }
}

