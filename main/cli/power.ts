/**
 * vigil power: the power estimate of a node configuration (models/power, docs/power.md), as a
 * breakdown with every figure's source, or as one JSON object.
 */
import { ASSUMED, DATASHEET, DEFAULT_BATTERY_MAH, estimatePower, MEASURED, PowerConfigError, type PowerConfig, type PowerEstimate } from '../../models/power';

export class PowerUsageError extends Error {
  override name = 'PowerUsageError';
}

export const POWER_FLAGS = { rate: 'value', hop: 'value', axes: 'value', stream: 'value', decimation: 'value', bands: 'bool', link: 'value', 'battery-mah': 'value', json: 'bool' } as const;

function num(flags: Record<string, string | true>, name: string, fallback?: number): number {
  const v = flags[name];
  if (v === undefined) {
    if (fallback === undefined) throw new PowerUsageError(`power needs --${name}`);
    return fallback;
  }
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new PowerUsageError(`--${name} needs a number, got "${String(v)}"`);
  return n;
}

/** The configuration the flags describe; plain-words errors for anything missing or out of range. */
export function powerConfigFromFlags(flags: Record<string, string | true>): PowerConfig {
  const stream = flags.stream;
  if (stream !== 'off' && stream !== 'features' && stream !== 'raw' && stream !== 'both') throw new PowerUsageError('power needs --stream off, features, raw or both');
  const link = flags.link;
  if (link !== 'wired' && link !== 'ble') throw new PowerUsageError('power needs --link wired or ble');
  return {
    sampleRateHz: num(flags, 'rate'),
    hop: num(flags, 'hop'),
    axes: num(flags, 'axes'),
    stream,
    rawDecimation: num(flags, 'decimation', 1),
    sendBands: flags.bands === true,
    link,
    batteryMah: num(flags, 'battery-mah', DEFAULT_BATTERY_MAH),
  };
}

export interface PowerRun {
  config: PowerConfig;
  estimate: PowerEstimate;
  sources: { measured: typeof MEASURED; datasheet: typeof DATASHEET; assumed: typeof ASSUMED };
}

export function runPower(flags: Record<string, string | true>): PowerRun {
  const config = powerConfigFromFlags(flags);
  try {
    return { config, estimate: estimatePower(config), sources: { measured: MEASURED, datasheet: DATASHEET, assumed: ASSUMED } };
  } catch (e) {
    if (e instanceof PowerConfigError) throw new PowerUsageError(e.message);
    throw e;
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The breakdown as the table the CLI prints. */
export function powerTable(r: PowerRun): string[] {
  const { config: c, estimate: e } = r;
  const lines = [
    `node: ${c.axes} axes at ${c.sampleRateHz} Hz, hop ${c.hop} (${e.windowsPerS.toFixed(2)} windows/s), stream ${c.stream}${c.stream === 'raw' || c.stream === 'both' ? ` (decimation ${c.rawDecimation})` : ''}, bands ${c.sendBands ? 'on' : 'off'}, link ${c.link}`,
    `  MCU active     ${e.parts.mcuActive.toFixed(2).padStart(8)} mA   core busy ${pct(e.activeFraction)}: compute ${pct(e.active.computeFraction)}, SPI readout ${pct(e.active.spiFraction)}, UART writes ${pct(e.active.uartFraction)}`,
    `  MCU sleep      ${e.parts.mcuSleep.toFixed(2).padStart(8)} mA   WFI the rest of the time`,
    `  sensor         ${e.parts.sensor.toFixed(2).padStart(8)} mA   IIS3DWB, always sampling`,
    `  radio          ${e.parts.radio.toFixed(2).padStart(8)} mA   ${c.link === 'ble' ? 'nRF52832 Nordic UART Service bridge' : 'none: the USB-UART bridge is powered by the USB bus'}`,
    `  total          ${e.totalMa.toFixed(2).padStart(8)} mA   ${e.totalMw.toFixed(0)} mW at ${ASSUMED.supplyV} V; ${e.batteryHours.toFixed(1)} h (${(e.batteryHours / 24).toFixed(1)} days) on ${c.batteryMah} mAh`,
    `  link           ${e.bytesPerS.toFixed(0)} B/s asked, ${e.linkCapacityBytesPerS.toFixed(0)} B/s possible${e.overloaded ? ': the link cannot carry it, the node drops what does not fit' : ''}`,
  ];
  if (e.overcommitted) lines.push('  warning: the core would need more than all of its time; the node falls behind and loses samples');
  lines.push(`measured: instructions per window from \`${MEASURED.benchCommand}\` (${MEASURED.benchDate})`);
  for (const [k, d] of Object.entries(DATASHEET)) lines.push(`datasheet: ${k} ${d.mA} mA — ${d.source}${d.checked ? '' : ' (not re-checked against the document)'}`);
  for (const [k, v] of Object.entries(ASSUMED)) lines.push(`assumed: ${k} = ${Number(v.toPrecision(4))}`);
  return lines;
}
