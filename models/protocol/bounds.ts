/**
 * The value bounds of the node's settings (docs/protocol.md 3.7 CONFIG, 3.8 STREAM), in a module of
 * their own so that code which only checks values (the API validator in models/api/contract.ts,
 * the configuration form) need not pull in the codec. The codec (link.ts) checks the same bounds.
 */

/** The node name: 1 to this many bytes of UTF-8. */
export const CONFIG_NAME_MAX = 32;
export const RANGE_G_VALUES = [2, 4, 8, 16] as const;
export type RangeG = (typeof RANGE_G_VALUES)[number];
/** hop is a u16 on the wire, 1 to window_len. */
export const HOP_MAX = 0xffff;
/** The node's learning period (CONFIG key 10), in windows (firmware NODE_LEARN_WINDOWS_MIN/MAX). */
export const LEARN_WINDOWS_MIN = 64;
export const LEARN_WINDOWS_MAX = 0x7fffffff;
/** shaft_hz is a float32: 0 (unknown), or SHAFT_HZ_MIN to SHAFT_HZ_MAX. */
export const SHAFT_HZ_MIN = Math.fround(0.1);
export const SHAFT_HZ_MAX = 1000;
/** STREAM raw_decimation: 1 to this many input frames per raw sample. */
export const RAW_DECIMATION_MAX = 64;

export function isRangeG(v: unknown): v is RangeG {
  return (RANGE_G_VALUES as readonly unknown[]).includes(v);
}

/** True for 0 (unknown) or a speed in range, judged on the float32 the wire carries. */
export function isShaftHz(v: number): boolean {
  const x = Math.fround(v);
  return x === 0 || (x >= SHAFT_HZ_MIN && x <= SHAFT_HZ_MAX);
}
