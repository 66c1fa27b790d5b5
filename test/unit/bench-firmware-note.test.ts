// The firmware benchmark's note names the protocol the node's image speaks, read from the C
// (firmware/src/proto/msg.h), not typed into the note: it must agree with the TS codec's twin.
import { describe, expect, it } from 'vitest';
import { firmwareProtocolVersion } from '../../bench/firmware';
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
