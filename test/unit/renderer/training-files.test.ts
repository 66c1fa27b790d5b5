// The Training page's picked files: an empty file, binary junk or text without a header gets a
// message about the file, not about channels.
import { describe, expect, it } from 'vitest';
import { badFileReason } from '../../../renderer/src/training/csv';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('badFileReason', () => {
  it('accepts a CSV recording', () => {
    expect(badFileReason('a.csv', 30, bytes('DE_accel,FE_accel\n0.1,0.2\n'))).toBeNull();
  });
  it('names an empty file, a binary file and a file without a header', () => {
    expect(badFileReason('empty.csv', 0, new Uint8Array(0))).toBe('empty.csv is empty: there is no recording in it.');
    expect(badFileReason('blank.csv', 3, bytes(' \n\n'))).toMatch(/^blank.csv holds only blank space/);
    const junk = Uint8Array.from({ length: 512 }, (_, i) => (i * 97 + 13) % 256);
    expect(badFileReason('photo.csv', 512, junk)).toMatch(/^photo.csv is not a CSV text file \(it holds binary data\)/);
    // Control characters without a NUL byte are binary too.
    expect(badFileReason('x.csv', 100, Uint8Array.from({ length: 100 }, (_, i) => (i % 3 ? 65 : 2)))).toMatch(/binary data/);
    expect(badFileReason('n.csv', 10, bytes('1,2\n3,4\n'))).toMatch(/^n.csv has no header line of channel names/);
  });
});
