/**
 * Average current, power and battery life of an STM32F405 sensor node for one configuration
 * (docs/power.md). Pure arithmetic on the figures in ./figures: measured instruction counts,
 * datasheet currents and named assumptions. Frame sizes come from the protocol's own encoders.
 */
import { cobsMaxEncodedLength } from '../protocol/cobs';
import { CRC_LEN, HEADER_LEN } from '../protocol/frame';
import { encodeFeatures, FEATURE_FIELDS } from '../protocol/messages';
import { encodeRawBlock, rawBlockMaxFrames } from '../protocol/rawBlock';
import { ASSUMED, DATASHEET, FIRMWARE, MEASURED } from './figures';

export type PowerStream = 'off' | 'features' | 'raw' | 'both';
export type PowerLink = 'wired' | 'ble';

export interface PowerConfig {
  sampleRateHz: number;
  hop: number;
  axes: number;
  stream: PowerStream;
  /** 1..64, used when the stream carries raw blocks. */
  rawDecimation: number;
  sendBands: boolean;
  link: PowerLink;
  batteryMah: number;
}

export type PowerPartId = 'mcuActive' | 'mcuSleep' | 'sensor' | 'radio';

export interface PowerEstimate {
  /** Average current per part, mA (the radio is 0 on the cable: the USB-UART bridge is bus-powered). */
  parts: Record<PowerPartId, number>;
  totalMa: number;
  totalMw: number;
  batteryHours: number;
  /** Share of time the core runs, 0..1, and what it runs for. */
  activeFraction: number;
  active: { computeFraction: number; spiFraction: number; uartFraction: number };
  windowsPerS: number;
  /** Wire bytes/s the configuration asks the link for, and what the link carries. */
  bytesPerS: number;
  sentBytesPerS: number;
  linkCapacityBytesPerS: number;
  /** The configuration asks for more than the link carries: the node drops the rest (LOG code 7). */
  overloaded: boolean;
  /** The core would need more than all of its time: the node falls behind and loses samples. */
  overcommitted: boolean;
  featuresWireBytes: number;
  rawBlockWireBytes: number;
}

export class PowerConfigError extends Error {
  override name = 'PowerConfigError';
}

/** Wire bytes of a frame with this payload, at most: COBS of header + payload + CRC-32, and the 0x00 delimiter. */
export function wireBytes(payloadLen: number): number {
  return cobsMaxEncodedLength(HEADER_LEN + payloadLen + CRC_LEN) + 1;
}

/** Wire bytes of one FEATURES frame of this node (protocol 1.3: trailer and state always, bands when sent). */
export function featuresWireBytes(axes: number, sendBands: boolean): number {
  const row = (n: number) => Array.from({ length: n }, () => 1);
  const payload = encodeFeatures({
    windowIndex: 0,
    tUs: 0,
    shaftHz: 0,
    values: Array.from({ length: axes }, () => row(FEATURE_FIELDS.length)),
    anomalyScore: 0,
    logBands: sendBands ? Array.from({ length: axes }, () => row(FIRMWARE.bandCount)) : undefined,
    state: { detector: 0, learnPercent: 0 },
  });
  return wireBytes(payload.length);
}

/** Wire bytes of one full RAW_BLOCK and the sample frames it carries. */
export function rawBlock(axes: number): { wireBytes: number; frames: number } {
  const frames = rawBlockMaxFrames(axes);
  const payload = encodeRawBlock({ firstFrame: 0, axisCount: axes, decimation: 1, scaleG: 1, samples: new Array<number>(frames * axes).fill(0) });
  return { wireBytes: wireBytes(payload.length), frames };
}

function check(c: PowerConfig): void {
  const whole = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new PowerConfigError(`${name} must be a whole number from ${lo} to ${hi}, not ${v}`);
  };
  if (!(c.sampleRateHz > 0 && c.sampleRateHz <= 1e6)) throw new PowerConfigError(`the sample rate must be above 0 and at most 1 MHz, not ${c.sampleRateHz}`);
  whole('the hop', c.hop, 1, 0xffff);
  whole('the axis count', c.axes, 1, 3);
  whole('the raw decimation', c.rawDecimation, 1, 64);
  if (!['off', 'features', 'raw', 'both'].includes(c.stream)) throw new PowerConfigError(`the stream is off, features, raw or both, not ${String(c.stream)}`);
  if (c.link !== 'wired' && c.link !== 'ble') throw new PowerConfigError(`the link is wired or ble, not ${String(c.link)}`);
  if (!(c.batteryMah > 0 && c.batteryMah <= 1e6)) throw new PowerConfigError(`the battery capacity must be above 0 and at most 1,000,000 mAh, not ${c.batteryMah}`);
}

export function estimatePower(c: PowerConfig): PowerEstimate {
  check(c);
  const features = c.stream === 'features' || c.stream === 'both';
  const raw = c.stream === 'raw' || c.stream === 'both';
  const windowsPerS = c.sampleRateHz / c.hop;
  const fWire = featuresWireBytes(c.axes, c.sendBands);
  const block = rawBlock(c.axes);

  // Bytes the configuration asks for, and what the link carries (the node's UART is the first limit).
  const featureBytes = features ? windowsPerS * fWire : 0;
  const rawBytes = raw ? (c.sampleRateHz / c.rawDecimation / block.frames) * block.wireBytes : 0;
  const bytesPerS = featureBytes + rawBytes;
  const baud = c.link === 'wired' ? FIRMWARE.wiredBaud : FIRMWARE.bleUartBaud;
  const uartCapacity = baud / FIRMWARE.uartBitsPerByte;
  const linkCapacityBytesPerS = c.link === 'wired' ? uartCapacity : Math.min(uartCapacity, ASSUMED.bleAirCapacityBytesPerS);
  const sentBytesPerS = Math.min(bytesPerS, linkCapacityBytesPerS);

  // Core time: the measured window (scaled to the axis count, the frame scaled to its wire bytes),
  // raw encoding, the polled SPI readout of the FIFO and the polled UART writes.
  const windowInsn =
    MEASURED.insnWindowTotal - MEASURED.insnFeaturesFrame - (3 - c.axes) * MEASURED.insnFeaturesAxis + (features ? MEASURED.insnFeaturesFrame * (fWire / MEASURED.featuresWireBytes) : 0);
  const rawInsnPerS = raw ? rawBytes * ASSUMED.insnPerWireByte + c.sampleRateHz * c.axes * ASSUMED.insnPerRawInputValue : 0;
  const computeFraction = ((windowsPerS * windowInsn + rawInsnPerS) * ASSUMED.cpi) / FIRMWARE.clockHz;
  const spiFraction = (c.sampleRateHz * FIRMWARE.spiBytesPerFrame * 8) / FIRMWARE.spiHz;
  const uartFraction = (sentBytesPerS * FIRMWARE.uartBitsPerByte) / baud;
  const busy = computeFraction + spiFraction + uartFraction;
  const activeFraction = Math.min(1, busy);

  let radio = 0;
  if (c.link === 'ble') {
    const packetsPerS = sentBytesPerS / ASSUMED.bleNotifyBytes;
    const txMsPerPacket = (ASSUMED.bleAirBytesPerPacket * ASSUMED.bleAirUsPerByte) / 1000;
    const dataMa = (packetsPerS * (txMsPerPacket * DATASHEET.bleTx0dBm.mA + ASSUMED.bleAckMs * DATASHEET.bleRx.mA)) / 1000;
    const idleMa = ((1000 / ASSUMED.bleConnIntervalMs) * ASSUMED.bleEmptyEventMs * ((DATASHEET.bleTx0dBm.mA + DATASHEET.bleRx.mA) / 2)) / 1000;
    radio = ASSUMED.bleBridgeBaseMa + idleMa + dataMa;
  }
  const parts: Record<PowerPartId, number> = {
    mcuActive: activeFraction * DATASHEET.mcuRun168.mA,
    mcuSleep: (1 - activeFraction) * DATASHEET.mcuSleep168.mA,
    sensor: DATASHEET.sensorActive.mA,
    radio,
  };
  const totalMa = parts.mcuActive + parts.mcuSleep + parts.sensor + parts.radio;
  return {
    parts,
    totalMa,
    totalMw: totalMa * ASSUMED.supplyV,
    batteryHours: (c.batteryMah * ASSUMED.batteryUsable) / totalMa,
    activeFraction,
    active: { computeFraction, spiFraction, uartFraction },
    windowsPerS,
    bytesPerS,
    sentBytesPerS,
    linkCapacityBytesPerS,
    overloaded: bytesPerS > linkCapacityBytesPerS,
    overcommitted: busy > 1,
    featuresWireBytes: fWire,
    rawBlockWireBytes: block.wireBytes,
  };
}
