import { describe, expect, it } from 'vitest';
import { liveAdsUpstreamQuery } from '../src/ssai/live-ads-upstream-query.ts';

describe('liveAdsUpstreamQuery: the reload a session with live ads sends upstream', () => {
  it('waits for part 0 of the asked segment when the player asks by number alone (its playlist ended on a slot published ahead)', () => {
    expect(liveAdsUpstreamQuery('?_HLS_msn=28')).toBe('?_HLS_msn=28&_HLS_part=0');
  });

  it('keeps a part the player asked for', () => {
    expect(liveAdsUpstreamQuery('?_HLS_msn=28&_HLS_part=3')).toBe('?_HLS_msn=28&_HLS_part=3');
  });

  it('drops a delta-update request: the ads\' discontinuities must all be counted in the whole playlist', () => {
    expect(liveAdsUpstreamQuery('?_HLS_msn=28&_HLS_part=1&_HLS_skip=YES')).toBe('?_HLS_msn=28&_HLS_part=1');
    expect(liveAdsUpstreamQuery('?_HLS_skip=v2')).toBe('');
    expect(liveAdsUpstreamQuery('?_HLS_msn=7&_HLS_skip=YES')).toBe('?_HLS_msn=7&_HLS_part=0');
  });

  it('sends nothing for a plain reload', () => {
    expect(liveAdsUpstreamQuery('')).toBe('');
  });
});
