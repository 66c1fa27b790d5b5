// The firmware benchmark's note names the protocol the node's image speaks, read from the C
// (firmware/src/proto/msg.h), not typed into the note: it must agree with the TS codec's twin.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeRegionBytes, firmwareProtocolVersion } from '../../bench/firmware';
import { ROOT } from '../helpers/firmware';
import { PROTOCOL_VERSION } from '../../models/protocol/frame';
import { PROTOCOL_MINOR } from '../../models/protocol/linkCommon';

describe('bench firmware: the protocol version in its note', () => {
  it('is the one firmware/src/proto/msg.h defines, which the TS codec speaks too', () => {
    expect(firmwareProtocolVersion()).toBe(`${PROTOCOL_VERSION}.${PROTOCOL_MINOR}`);
    expect(PROTOCOL_MINOR).toBeGreaterThan(1); // the note said "1.1" while the node spoke 1.2
  });

  it('follows the header, and says so when a definition is missing', () => {
    expect(firmwareProtocolVersion('#define MSG_PROTOCOL_MINOR 7u\n#define MSG_PROTOCOL_VERSION 3u\n')).toBe('3.7');
    expect(() => firmwareProtocolVersion('#define MSG_PROTOCOL_VERSION 1u\n')).toThrow(/defines no MSG_PROTOCOL_MINOR/);
  });
});

describe('bench firmware: the STM32F405 code region', () => {
  // RM0090 Table 5: the 1 MB device's sectors 0-11 start here.
  const SECTOR_STARTS = [0x0800_0000, 0x0800_4000, 0x0800_8000, 0x0800_c000, 0x0801_0000, 0x0802_0000, 0x0804_0000, 0x0806_0000, 0x0808_0000, 0x080a_0000, 0x080c_0000, 0x080e_0000];

  it('is the FLASH length of the board memory map, in bytes', () => {
    expect(codeRegionBytes()).toBe(64 * 1024);
    expect(codeRegionBytes('FLASH (rx)  : ORIGIN = 0x08000000, LENGTH = 48K\n')).toBe(49_152);
    expect(codeRegionBytes('FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 1M\n')).toBe(1 << 20);
    expect(() => codeRegionBytes('RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 128K\n')).toThrow(/no FLASH region/);
  });

  it('ends on a sector boundary, below every sector the node writes (model slots, identity, baseline)', () => {
    const end = 0x0800_0000 + codeRegionBytes();
    expect(SECTOR_STARTS).toContain(end);
    const chip = ['flash_stm32f4.h', 'flash_stm32f4.c'].map((f) => readFileSync(join(ROOT, 'firmware/chip/stm32f4', f), 'utf8')).join('\n');
    const addrs = [...chip.matchAll(/0x080[0-9A-Fa-f]{5}u/g)].map((m) => Number.parseInt(m[0].slice(2, -1), 16));
    expect(addrs.length).toBeGreaterThanOrEqual(5); // two model slots, two baseline slots, the identity sector
    for (const a of addrs) {
      expect(SECTOR_STARTS).toContain(a);
      expect(a).toBeGreaterThanOrEqual(end);
    }
  });
});
