import { describe, expect, it } from 'vitest';
import { parseChannelSpec, type ChannelSpecPolicy } from '../src/live/channel-spec.ts';

const policy = (lowLatency: boolean): ChannelSpecPolicy => ({ protocols: new Set(['udp']), defaults: { ladder: 'light', segmentSeconds: 2, dvrWindowSeconds: 300, lowLatency } });
const synthetic = { id: 'c1', input: { type: 'synthetic' } };

describe('parseChannelSpec: lowLatency', () => {
  it('takes the configured default when the operator does not say, and the operator’s choice when given', () => {
    expect(parseChannelSpec(synthetic, policy(true)).lowLatency).toBe(true);
    expect(parseChannelSpec(synthetic, policy(false)).lowLatency).toBe(false);
    expect(parseChannelSpec({ ...synthetic, lowLatency: false }, policy(true)).lowLatency).toBe(false);
  });

  it('refuses anything but true or false, naming the field and what it received', () => {
    expect(() => parseChannelSpec({ ...synthetic, lowLatency: 'no' }, policy(true))).toThrow('lowLatency: expected true or false, received "no"');
    expect(() => parseChannelSpec({ ...synthetic, lowLatency: 0 }, policy(true))).toThrow('lowLatency: expected true or false, received 0');
  });
});
