import { describe, expect, it } from 'vitest';
import { RequestError, plainMessage } from '../../../renderer/src/api/errors';

describe('plainMessage', () => {
  it('strips the wrapping Electron adds to IPC handler errors', () => {
    const e = new Error("Error invoking remote method 'nodes.connect': ApiError: /dev/ttyUSB0 is in use by another program");
    expect(plainMessage(e)).toBe('/dev/ttyUSB0 is in use by another program');
  });

  it('keeps a plain message as it is', () => {
    expect(plainMessage(new RequestError('port-busy', 'The port is busy.'))).toBe('The port is busy.');
  });

  it('says something readable when there is no message', () => {
    expect(plainMessage(undefined)).toMatch(/no details/);
    expect(plainMessage(new Error(''))).toMatch(/no details/);
  });
});
