import { describe, expect, it } from 'vitest';
import type { LiveSegment } from '../src/live/channel-store.ts';
import { hlsLivePlaylist } from '../src/live/hls-live-playlist.ts';

const T0 = Date.parse('2026-11-21T10:49:00.000Z');
/** Eight (or `length`) 2 s segments from `firstSeq` on, the first one starting at T0 + 2 s × (firstSeq - 100). */
function window(firstSeq: number, length = 8): LiveSegment[] {
  return Array.from({ length }, (_, i): LiveSegment => {
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

/** A window whose segment starts are given (ms after T0), for segments of irregular length. */
function irregular(rendition: string, firstSeq: number, startsMs: number[], disc = (_seq: number) => 0): LiveSegment[] {
  return startsMs.slice(0, -1).map((at, i): LiveSegment => {
    const seq = firstSeq + i;
    const ms = startsMs[i + 1]! - at;
    return { rendition, seq, disc: disc(seq), start: at * 90, duration: ms * 90, timescale: 90_000, pdtMs: T0 + at, initId: 'a1', parts: [], gap: false };
  });
}
const cueAt = (text: string, uri: string) => {
  const lines = text.split('\n');
  return lines.slice(0, lines.indexOf(uri)).reverse().find((l) => l.startsWith('#EXT-X-CUE') || /\.m4s$/.test(l));
};

describe('hlsLivePlaylist: an early return kept by sequence number', () => {
  // A break from 102 (T0 + 4 s) returned early: the origin predicted the return's time (T0 + 8 s) from the 2 s
  // grid, but 102 ran 1.7 s, so 104 starts 300 ms early; audio's 104 starts a few AAC frames later than video's.
  const returned = { ...adBreak, returnMs: T0 + 8000, returnSeq: 104 };
  const signals = [{ adBreak: returned, out: new Uint8Array([0xfc]), in: new Uint8Array([0xfc]) }];

  it('puts CUE-IN on the same segment in every rendition, whatever the segments’ times', () => {
    const video = hlsLivePlaylist({ segments: irregular('v180', 100, [0, 2000, 4000, 5700, 7700, 9700, 11700]), segmentSeconds: 2, breaks: signals, now: T0 + 12_000 });
    const audio = hlsLivePlaylist({ segments: irregular('audio', 100, [0, 2000, 4000, 5700, 7760, 9760, 11760]), segmentSeconds: 2, breaks: signals, now: T0 + 12_000 });
    for (const [text, rendition] of [[video, 'v180'], [audio, 'audio']] as const) {
      expect(cueAt(text, `${rendition}-102.m4s`), rendition).toBe('#EXT-X-CUE-OUT:DURATION=16.000');
      expect(cueAt(text, `${rendition}-103.m4s`), rendition).toBe('#EXT-X-CUE-OUT-CONT:ElapsedTime=1.700,Duration=16.000');
      expect(cueAt(text, `${rendition}-104.m4s`), rendition).toBe('#EXT-X-CUE-IN');
    }
  });

  it('keeps a segment that was listed in the break in it when a restarted encoder cut it later than the return’s time', () => {
    // 103's parts were listed in the break; the encoder died, and the new run cut 103 again from T0 + 8.5 s.
    const text = hlsLivePlaylist({ segments: irregular('v180', 100, [0, 2000, 4000, 8500, 10_500, 12_500], (seq) => (seq >= 103 ? 1 : 0)), segmentSeconds: 2, breaks: signals, now: T0 + 13_000 });
    expect(cueAt(text, 'v180-103.m4s')).toBe('#EXT-X-CUE-OUT-CONT:ElapsedTime=4.500,Duration=16.000');
    expect(cueAt(text, 'v180-104.m4s')).toBe('#EXT-X-CUE-IN');
  });

  // Ad insertion publishes a slot whole once the segment it replaces is in progress: it must see the return
  // by then. Here 104 started 300 ms before the predicted return time and its first part is listed at T0 + 7.9 s.
  it('lists an early return’s SCTE35-IN as soon as the playlist shows the return’s segment, even before its predicted time', () => {
    const segments = irregular('v180', 100, [0, 2000, 4000, 5700, 7700]);
    const lowLatency = (seq: number) => ({ partTarget: 0.5, partial: { seq, disc: 0, initId: 'a1', timescale: 90_000, parts: [{ duration: 18_000, independent: true }] }, skip: false });
    const atReturn = hlsLivePlaylist({ segments, segmentSeconds: 2, breaks: signals, now: T0 + 7900, lowLatency: lowLatency(104) });
    expect(atReturn).toContain('SCTE35-IN=');
    expect(atReturn).toContain('DURATION=4.000,SCTE35-IN=');
    // One segment earlier (103 in progress, no hint at 104 yet) the return is not listed before its time.
    const before = hlsLivePlaylist({ segments: segments.slice(0, 3), segmentSeconds: 2, breaks: signals, now: T0 + 5900, lowLatency: lowLatency(103) });
    expect(before).not.toContain('SCTE35-IN=');
  });

  it('still ends the break at its planned end when the return came after it', () => {
    const late = [{ adBreak: { ...adBreak, returnMs: T0 + 20_000, returnSeq: 200 }, out: new Uint8Array([0xfc]), in: new Uint8Array([0xfc]) }];
    const text = hlsLivePlaylist({ segments: window(100, 14), segmentSeconds: 2, breaks: late, now: T0 + 30_000 });
    expect(cueOf(text, 110)).toBe('#EXT-X-CUE-IN');
  });
});

describe('hlsLivePlaylist: LL-HLS parts of the segment in progress', () => {
  const parts = [{ duration: 45_000, independent: true }, { duration: 45_000, independent: false }];
  const tail = (text: string) => text.slice(text.lastIndexOf('v180-107.m4s') + 'v180-107.m4s'.length).trim().split('\n');

  // e2e ad-insertion-live: the first segment of a new encoder run had its parts listed without a discontinuity,
  // and the whole segment came with one on the next reload (players numbered the same media twice).
  it('puts the parts of a new encoder run’s first segment behind the discontinuity the whole segment gets', () => {
    const partial = { seq: 108, disc: 1, initId: 'b2', timescale: 90_000, parts };
    const text = hlsLivePlaylist({ segments: window(100), segmentSeconds: 2, breaks: [], now: T0 + 20_000, lowLatency: { partTarget: 0.5, partial, skip: false } });
    expect(tail(text)).toEqual([
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-MAP:URI="v180-init-b2.mp4"',
      '#EXT-X-PART:DURATION=0.500,URI="v180-108.0.m4s",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.500,URI="v180-108.1.m4s"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="v180-108.2.m4s"',
    ]);
    // The same run: no discontinuity.
    const same = hlsLivePlaylist({ segments: window(100), segmentSeconds: 2, breaks: [], now: T0 + 20_000, lowLatency: { partTarget: 0.5, partial: { ...partial, disc: 0, initId: 'a1' }, skip: false } });
    expect(tail(same)[0]).toBe('#EXT-X-PART:DURATION=0.500,URI="v180-108.0.m4s",INDEPENDENT=YES');
  });

  // e2e ad-insertion-live: between the segment's last part and the whole segment, the hint named part 4 of a
  // four-part segment; the held request ended in a 404 and Shaka's retries of it in a fatal error 1001.
  it('hints the next segment’s first part once the parts reach the segment’s end', () => {
    const whole = Array.from({ length: 4 }, (_, i) => ({ duration: 45_000, independent: i === 0 }));
    const partial = { seq: 108, disc: 0, initId: 'a1', timescale: 90_000, parts: whole, complete: true };
    const text = hlsLivePlaylist({ segments: window(100), segmentSeconds: 2, breaks: [], now: T0 + 20_000, lowLatency: { partTarget: 0.5, partial, skip: false } });
    expect(tail(text).at(-1)).toBe('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="v180-109.0.m4s"');
    expect(tail(text)).toContain('#EXT-X-PART:DURATION=0.500,URI="v180-108.3.m4s"');
  });
});

describe('hlsLivePlaylist: a hole in the stored sequence numbers', () => {
  // e2e ad-insertion-live: an encoder killed between video's and audio's end of segment 75 left audio without
  // 75; its playlist listed 74 then 76, so every later segment had a media sequence number one below its URI's
  // and the other renditions' (Shaka's playlist updates then threw "Cannot read properties of null").
  it('starts the window after the hole, so every listed segment keeps its own media sequence number', () => {
    const segments = window(100).filter((s) => s.seq !== 103);
    const text = hlsLivePlaylist({ segments, segmentSeconds: 2, breaks: [], now: T0 + 20_000 });
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:104\n');
    const uris = text.split('\n').filter((l) => l.endsWith('.m4s'));
    expect(uris).toEqual(['v180-104.m4s', 'v180-105.m4s', 'v180-106.m4s', 'v180-107.m4s']);
  });
});

describe('hlsLivePlaylist: back on air after EXT-X-GAP placeholders', () => {
  // e2e ad-insertion-live: joined seconds after the origin resumed live-demo, hls.js started three target
  // durations from the end, inside the off-air placeholders, and never jumped the hole. The offset counts whole
  // segments only: hls.js without low latency measures from the last whole segment, and a start counted with the
  // parts of the segment in progress fell half a second into the last gap. It starts 0.6 s into that segment,
  // past the audio gap that ends up to an AAC part after video's (hls.js stopped on it once).
  it('starts a new viewer at the first media after the gaps while the gaps are within the usual hold-back', () => {
    const segments = window(100).map((s) => ({ ...s, gap: s.seq >= 102 && s.seq <= 106 }));
    const text = hlsLivePlaylist({ segments, segmentSeconds: 2, breaks: [], now: T0 + 20_000 });
    expect(text).toContain('#EXT-X-START:TIME-OFFSET=-1.400,PRECISE=YES\n');
    expect(text.indexOf('#EXT-X-START')).toBeLessThan(text.indexOf('#EXTINF'));
    // Once enough media follows the gaps, the player's own hold-back starts it in media: no start tag.
    const partial = { seq: 108, disc: 0, initId: 'a1', timescale: 90_000, parts: [{ duration: 45_000, independent: true }] };
    const withParts = hlsLivePlaylist({ segments, segmentSeconds: 2, breaks: [], now: T0 + 20_000, lowLatency: { partTarget: 0.5, partial, skip: false } });
    expect(withParts).toContain('#EXT-X-START:TIME-OFFSET=-1.400,PRECISE=YES\n');
    const later = hlsLivePlaylist({ segments: window(100).map((s) => ({ ...s, gap: s.seq === 101 })), segmentSeconds: 2, breaks: [], now: T0 + 20_000 });
    expect(later).not.toContain('#EXT-X-START');
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
