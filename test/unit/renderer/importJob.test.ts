import { describe, expect, it } from 'vitest';
import { checkFileSize, MAX_IMPORT_BYTES } from '../../../renderer/src/import/importJob';

describe('import size check', () => {
  it('refuses empty and huge files up front, in plain words', () => {
    expect(checkFileSize(0)).toBe('The file is empty.');
    expect(checkFileSize(37_613_986)).toBeNull();
    expect(checkFileSize(MAX_IMPORT_BYTES + 1)).toBe('This file is 400 MB; Vigil imports CSV files of up to 400 MB at once. Split it into smaller files (each becomes its own recording).');
    expect(checkFileSize(2.5e9)).toMatch(/^This file is 2.5 GB;/);
  });
});
