import { describe, expect, it } from 'vitest';
import type { LiveSegment } from '../src/live/channel-store.ts';
import { hlsLivePlaylist } from '../src/live/hls-live-playlist.ts';

const T0 = Date.parse('2026-11-21T10:49:00.000Z');
/** Eight 2 s segments from `firstSeq` on, the first one starting at T0 + 2 s × (firstSeq - 100). */
function window(firstSeq: number): LiveSegment[] {
  return Array.from({ length: 8 }, (_, i): LiveSegment => {
    const seq = firstSeq + i;
    return { rendition: 'v180', seq, disc: 0, start: seq * 180_000, duration: 180_000, timescale: 90_000, pdtMs: T0 + (seq - 100) * 2000, initId: 'a1', parts: [], gap: false };
  });
}
// A 16 s break from segment 102 on, ended early at 104 (the e2e ad-insertion-live break).
const adBreak = { id: 'b', channelId: 'live-demo', spliceEventId: 2, startMs: T0 + 4000, durationMs: 16_000, createdAt: '', returnMs: T0 + 8000 };
const breaks = [{ adBreak, out: new Uint8Array([0xfc]), in: new Uint8Array([0xfc]) }];
const cueOf = (text: string, seq: number) => {
  const lines = text.split('\n');
  const at = lines.indexOf(`v180-${seq}.m4s`);
  return lines.slice(0, at).reverse().find((l) => l.startsWith('#EXT-X-CUE') || /\.m4s$/.test(l));
};

describe('hlsLivePlaylist: SCTE-35 cues while a break slides out of the window', () => {
  it('puts CUE-OUT on the break’s first segment, CUE-OUT-CONT inside and CUE-IN at the return', () => {
    const text = hlsLivePlaylist({ segments: window(100), segmentSeconds: 2, breaks, now: T0 + 20_000 });
    expect(cueOf(text, 102)).toBe('#EXT-X-CUE-OUT:DURATION=16.000');
    expect(cueOf(text, 103)).toBe('#EXT-X-CUE-OUT-CONT:ElapsedTime=2.000,Duration=16.000');
    expect(cueOf(text, 104)).toBe('#EXT-X-CUE-IN');
  });

  // e2e ad-insertion-live: once 102 had left the window, 103 came with a CUE-OUT, which a stitcher reads as a
  // second break starting there (hls.js: "discontinuity sequence mismatch" on the next reload).
  it('starts a window that slid past the break’s first segment with CUE-OUT-CONT, not a second CUE-OUT', () => {
    const text = hlsLivePlaylist({ segments: window(103), segmentSeconds: 2, breaks, now: T0 + 26_000 });
    expect(cueOf(text, 103)).toBe('#EXT-X-CUE-OUT-CONT:ElapsedTime=2.000,Duration=16.000');
    expect(text).not.toContain('#EXT-X-CUE-OUT:');
    expect(cueOf(text, 104)).toBe('#EXT-X-CUE-IN');
  });
});

describe('hlsLivePlaylist: a standard-latency channel (lowLatency false)', () => {
  it('offers delta updates without parts or blocking reload, and answers _HLS_skip=YES with the last six target durations (RFC 8216bis 4.4.3.8, 6.2.5.1)', () => {
    const full = hlsLivePlaylist({ segments: window(100), segmentSeconds: 2, breaks: [], now: T0 + 20_000, deltaUpdates: { skip: false } });
    expect(full).toContain('#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12.0\n');
    expect(full).not.toMatch(/PART|PRELOAD-HINT|CAN-BLOCK-RELOAD/);
    expect(full).not.toContain('#EXT-X-SKIP');
    const delta = hlsLivePlaylist({ segments: window(100), segmentSeconds: 2, breaks: [], now: T0 + 20_000, deltaUpdates: { skip: true } });
    // 16 s of window, 12 s kept: the first two segments are skipped, the media sequence stays that of the window.
    expect(delta).toContain('#EXT-X-MEDIA-SEQUENCE:100\n');
    expect(delta).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n');
    expect(delta).not.toContain('v180-101.m4s');
    expect(delta.split('\n').filter((l) => l.endsWith('.m4s'))).toEqual(['v180-102.m4s', 'v180-103.m4s', 'v180-104.m4s', 'v180-105.m4s', 'v180-106.m4s', 'v180-107.m4s']);
  });
});
