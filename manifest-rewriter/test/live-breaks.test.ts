import { Parser } from 'm3u8-parser';
import { describe, expect, it } from 'vitest';
import { breakDiscontinuities, findLiveBreaks, insertLiveInterstitials, replaceLiveBreaks, type LiveBreakFill, type LiveSlot } from '../src/index.ts';
import { fixture } from './support/corpus.ts';

const EARLY_RETURN = 'hls/scte35-live-window-cue-out-cont-daterange.m3u8';

/** The channel format (BRIEF "Shared facts"): a sliding window over a stream with one SCTE-35 break. */
function window(first: number, size: number, cue: { out: number; planned: number; in: number }): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', `#EXT-X-MEDIA-SEQUENCE:${first}`, '#EXT-X-MAP:URI="init-1.mp4"'];
  for (let msn = first; msn < first + size; msn++) {
    if (msn === cue.out - 2) lines.push(`#EXT-X-DATERANGE:ID="splice-1",START-DATE="2026-11-21T08:00:00.000Z",PLANNED-DURATION=${cue.planned},SCTE35-OUT=0xFC30`);
    if (msn === cue.out) lines.push(`#EXT-X-CUE-OUT:DURATION=${cue.planned}`);
    else if (msn > cue.out && msn < cue.in) lines.push(`#EXT-X-CUE-OUT-CONT:ElapsedTime=${(msn - cue.out) * 4},Duration=${cue.planned}`);
    else if (msn === cue.in) lines.push('#EXT-X-CUE-IN');
    lines.push('#EXTINF:4.000,', `seg-1-${msn}.m4s`);
  }
  return lines.join('\n') + '\n';
}

const AD = (run: number, n: number): LiveSlot[] =>
  Array.from({ length: n }, (_, i) => ({ uri: `https://edge/v1/media/AD/vod/ad-${run}/seg-1-0000${i + 1}.m4s`, duration: 4, map: `#EXT-X-MAP:URI="https://edge/v1/media/AD/vod/ad-${run}/init-1.mp4"`, run }));

function segments(text: string) {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  const manifest = parser.manifest as { mediaSequence: number; discontinuitySequence?: number; segments: { uri: string; discontinuity?: boolean; map?: { uri: string } }[] };
  let dseq = manifest.discontinuitySequence ?? 0;
  return manifest.segments.map((s, i) => {
    if (s.discontinuity) dseq++;
    return { msn: manifest.mediaSequence + i, uri: s.uri, dseq, map: s.map?.uri };
  });
}

describe('findLiveBreaks: SCTE-35 signalling in the channel format', () => {
  it('finds a break by its CUE-OUT, its early return by CUE-IN and its DATERANGE OUT/IN pair', () => {
    const scan = findLiveBreaks(fixture(EARLY_RETURN));
    expect(scan.breaks).toEqual([{ startMsn: 122, plannedSeconds: 12, endMsn: 124, startDate: Date.parse('2026-11-21T08:00:08.000Z') }]);
    expect(scan.announced).toEqual([{ id: 'splice-7', startDate: Date.parse('2026-11-21T08:00:08.000Z'), plannedSeconds: 12, ended: true, airedSeconds: 8 }]);
    expect(scan.discontinuitySequence).toBe(3);
  });

  it('works out where a break began when only CUE-OUT-CONT is left in the window', () => {
    const scan = findLiveBreaks(window(113, 3, { out: 110, planned: 40, in: 120 }));
    expect(scan.breaks).toEqual([{ startMsn: 110, plannedSeconds: 40, endMsn: undefined, joinedMidBreak: true }]);
  });

  it('sees a break announced ahead by its DATERANGE before any cue reaches the segments', () => {
    const scan = findLiveBreaks(window(100, 8, { out: 109, planned: 30, in: 117 }));
    expect(scan.breaks).toEqual([]);
    expect(scan.announced.map((b) => [b.id, b.plannedSeconds, b.ended])).toEqual([['splice-1', 30, false]]);
  });
});

describe('replaceLiveBreaks: per-session ads in the sliding window', () => {
  const slots = [...AD(1, 3), ...AD(2, 2), ...AD(3, 3)]; // 8 slots for a planned 32 s break

  function session(cue: { out: number; planned: number; in: number }, reloads: number) {
    const seen = new Map<number, { uri: string; dseq: number; map: string | undefined }>();
    const outputs: string[] = [];
    // What the edge keeps per session: each break's frozen layout, remembered after it leaves the window.
    const memory = new Map<number, LiveBreakFill>();
    for (let r = 0; r < reloads; r++) {
      const text = window(100 + r, 6, cue);
      const scan = findLiveBreaks(text);
      for (const b of scan.breaks) memory.set(b.startMsn, { ...b, endMsn: b.endMsn ?? memory.get(b.startMsn)?.endMsn, slots });
      const fills = [...memory.values()];
      const slidOut = fills.flatMap(breakDiscontinuities).filter((m) => m < 100 + r).length;
      const out = replaceLiveBreaks(text, fills, slidOut);
      outputs.push(out);
      for (const s of segments(out)) {
        const before = seen.get(s.msn);
        if (before) expect({ uri: s.uri, dseq: s.dseq, map: s.map }, `msn ${s.msn} on reload ${r}`).toEqual(before);
        seen.set(s.msn, { uri: s.uri, dseq: s.dseq, map: s.map });
      }
    }
    return { seen, outputs };
  }

  it('numbers every segment the same way on every reload while the break slides through the window', () => {
    const { seen } = session({ out: 104, planned: 32, in: 112 }, 16);
    expect(seen.get(104)!.uri).toContain('ad-1/');
    expect(seen.get(107)!.uri).toContain('ad-2/');
    expect(seen.get(111)!.uri).toContain('ad-3/');
    expect(seen.get(112)!.uri).toBe('seg-1-112.m4s');
    expect(seen.get(112)!.map).toBe('init-1.mp4');
    // content → ad-1 → ad-2 → ad-3 → content: four discontinuities.
    expect(seen.get(115)!.dseq - seen.get(100)!.dseq).toBe(4);
  });

  it('returns to content at an early SCTE35-IN without waiting for the rest of the ads', () => {
    const { seen } = session({ out: 104, planned: 32, in: 109 }, 16);
    expect(seen.get(108)!.uri).toContain('ad-2/');
    expect(seen.get(109)!.uri).toBe('seg-1-109.m4s');
    expect(seen.get(109)!.map).toBe('init-1.mp4');
    expect(seen.get(109)!.dseq).toBe(seen.get(108)!.dseq + 1);
  });

  it('plays content again where the slots run out before the break ends', () => {
    const { seen } = session({ out: 104, planned: 48, in: 116 }, 16);
    expect(seen.get(112)!.uri).toBe('seg-1-112.m4s');
    expect(seen.get(112)!.dseq).toBe(seen.get(111)!.dseq + 1);
  });

  it('leaves a playlist without breaks untouched', () => {
    const text = window(100, 6, { out: 200, planned: 30, in: 210 });
    expect(replaceLiveBreaks(text, [], 0)).toBe(text);
  });
});

describe('replaceLiveBreaks on LL-HLS windows (parts, preload hints, delta updates)', () => {
  /** An LL-HLS window: two parts per segment on the last two, the segment in progress, a preload hint; `skip` leaves out the oldest. */
  function llWindow(first: number, size: number, cue: { out: number; in: number }, skip = 0): string {
    const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-TARGETDURATION:4', '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.000,CAN-SKIP-UNTIL=24.0', '#EXT-X-PART-INF:PART-TARGET=2.000', `#EXT-X-MEDIA-SEQUENCE:${first}`];
    if (skip > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skip}`);
    for (let msn = first + skip; msn < first + size; msn++) {
      lines.push('#EXT-X-MAP:URI="init-1.mp4"');
      if (msn === cue.out) lines.push('#EXT-X-CUE-OUT:DURATION=12.000');
      else if (msn > cue.out && msn < cue.in) lines.push(`#EXT-X-CUE-OUT-CONT:ElapsedTime=${(msn - cue.out) * 4}.000,Duration=12.000`);
      else if (msn === cue.in) lines.push('#EXT-X-CUE-IN');
      if (msn >= first + size - 2) lines.push(`#EXT-X-PART:DURATION=2.000,URI="seg-1-${msn}.0.m4s",INDEPENDENT=YES`, `#EXT-X-PART:DURATION=2.000,URI="seg-1-${msn}.1.m4s"`);
      lines.push('#EXTINF:4.000,', `seg-1-${msn}.m4s`);
    }
    lines.push(`#EXT-X-PART:DURATION=2.000,URI="seg-1-${first + size}.0.m4s",INDEPENDENT=YES`, `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-${first + size}.1.m4s"`);
    return lines.join('\n') + '\n';
  }
  const fill: LiveBreakFill = { startMsn: 104, endMsn: 106, slots: AD(1, 3) };

  it('numbers the segments of a delta update (EXT-X-SKIP) from after the skipped ones', () => {
    const full = replaceLiveBreaks(llWindow(100, 8, { out: 104, in: 106 }), [fill], 0);
    const delta = replaceLiveBreaks(llWindow(100, 8, { out: 104, in: 106 }, 3), [fill], 0);
    expect(findLiveBreaks(llWindow(100, 8, { out: 104, in: 106 }, 3)).breaks).toEqual([{ startMsn: 104, plannedSeconds: 12, endMsn: 106 }]);
    const uris = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    // The delta lists the full playlist's last five segments, the ad at 104 and 105 included, content again at 106.
    expect(uris(delta)).toEqual(uris(full).slice(3));
    expect(uris(delta).slice(1, 4)).toEqual([AD(1, 3)[0]!.uri, AD(1, 3)[1]!.uri, 'seg-1-106.m4s']);
  });

  it('drops the content’s parts from replaced segments, and the parts and preload hint of a segment in progress that a slot replaces', () => {
    // The break runs from 106 on (no CUE-IN yet): 106 and 107 are listed with parts, 108 is being cut.
    const text = replaceLiveBreaks(llWindow(100, 8, { out: 106, in: 200 }), [{ startMsn: 106, endMsn: undefined, slots: AD(1, 3) }], 0);
    expect(text).not.toMatch(/seg-1-10[678]\.\d\.m4s/);
    expect(text).not.toContain('#EXT-X-PRELOAD-HINT');
    // Outside a break parts stay, after their segment's map.
    const plain = replaceLiveBreaks(llWindow(100, 8, { out: 200, in: 201 }), [{ startMsn: 200, endMsn: undefined, slots: AD(1, 1) }], 0);
    expect(plain).toContain('#EXT-X-PART:DURATION=2.000,URI="seg-1-107.0.m4s",INDEPENDENT=YES');
    expect(plain).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-108.1.m4s"');
    expect(plain.indexOf('#EXT-X-MAP:URI="init-1.mp4"')).toBeLessThan(plain.indexOf('#EXT-X-PART:'));
    // An announced break starting with the segment in progress: its parts and hint go before its CUE-OUT shows.
    const ahead = replaceLiveBreaks(llWindow(100, 8, { out: 200, in: 201 }), [], 0, { breakAhead: true });
    expect(ahead).not.toMatch(/seg-1-108\.\d\.m4s/);
    expect(ahead).toContain('#EXT-X-PART:DURATION=2.000,URI="seg-1-107.0.m4s",INDEPENDENT=YES');
  });

  // e2e live-playback (hls.js LL-HLS): the slots of a 6 s break ran out at 108 while 108 was in progress; its
  // parts came without the discontinuity the whole 108 got on the next reload ("discontinuity sequence mismatch").
  it('puts the return’s discontinuity before the parts of a segment in progress where the slots run out', () => {
    const fill: LiveBreakFill = { startMsn: 105, endMsn: undefined, slots: AD(1, 3) };
    const partial = replaceLiveBreaks(llWindow(100, 8, { out: 105, in: 200 }), [fill], 0);
    const whole = replaceLiveBreaks(llWindow(101, 8, { out: 105, in: 200 }), [fill], 0);
    // The tags between the segment before 108 and 108's first part.
    const lead = (text: string) => {
      const lines = text.split('\n');
      const at = lines.findIndex((l) => l.includes('seg-1-108.0.m4s'));
      const previous = lines.slice(0, at).findLastIndex((l) => l !== '' && !l.startsWith('#'));
      return lines.slice(previous + 1, at);
    };
    // The discontinuity and the content's map come before the first part of 108, in progress as when whole.
    for (const text of [partial, whole]) expect(lead(text)).toEqual(expect.arrayContaining(['#EXT-X-DISCONTINUITY', '#EXT-X-MAP:URI="init-1.mp4"']));
    expect(lead(partial).indexOf('#EXT-X-DISCONTINUITY')).toBeLessThan(lead(partial).indexOf('#EXT-X-MAP:URI="init-1.mp4"'));
  });

  // The origin puts a new encoder run's discontinuity before the parts of its first segment (origin
  // hls-live-playlist.test.ts): the stitcher keeps it before the content's map, once, and withholds it with
  // the parts where a slot replaces that segment (the whole segment brings its own).
  it('keeps a new encoder run’s discontinuity before the map and parts of the segment in progress, and drops it with them under a slot', () => {
    const restarted = (first: number, cue: { out: number; in: number }) =>
      llWindow(first, 8, cue).replace(/(\n)(#EXT-X-PART:DURATION=2\.000,URI="seg-1-\d+\.0\.m4s",INDEPENDENT=YES\n#EXT-X-PRELOAD-HINT)/, '$1#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-2.mp4"\n$2');
    const origin = restarted(100, { out: 200, in: 201 });
    const tail = (text: string) => text.trimEnd().split('\n').slice(-4);
    expect(tail(origin)).toEqual(['#EXT-X-DISCONTINUITY', '#EXT-X-MAP:URI="init-2.mp4"', '#EXT-X-PART:DURATION=2.000,URI="seg-1-108.0.m4s",INDEPENDENT=YES', '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-108.1.m4s"']);
    // A session with a break elsewhere in the window: the tail as the origin wrote it.
    const content = replaceLiveBreaks(origin, [{ startMsn: 102, endMsn: 104, slots: AD(1, 2) }], 0);
    expect(tail(content)).toEqual(tail(origin));
    // The slots run out at 108, in progress: one discontinuity (the return's and the run's are the same point).
    const returning = replaceLiveBreaks(restarted(100, { out: 106, in: 200 }), [{ startMsn: 106, endMsn: undefined, slots: AD(1, 2) }], 0);
    expect(tail(returning)).toEqual(tail(origin));
    // A slot is due at 108: its parts, the run's discontinuity and map, and the hint are withheld.
    const withheld = replaceLiveBreaks(restarted(100, { out: 106, in: 200 }), [{ startMsn: 106, endMsn: undefined, slots: AD(1, 3) }], 0);
    const afterLast = withheld.slice(withheld.lastIndexOf('.m4s\n') + 5);
    expect(afterLast).not.toContain('#EXT-X-DISCONTINUITY');
    expect(afterLast).not.toContain('init-2.mp4');
    expect(afterLast).not.toContain('#EXT-X-PART');
  });

  it('keeps the preload hint after the parts of the segment in progress, and no blank line inside the playlist', () => {
    const plain = replaceLiveBreaks(llWindow(100, 8, { out: 200, in: 201 }), [{ startMsn: 200, endMsn: undefined, slots: AD(1, 1) }], 0);
    expect(plain.indexOf('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-108.1.m4s"')).toBeGreaterThan(plain.indexOf('URI="seg-1-108.0.m4s"'));
    expect(plain.trimEnd()).not.toContain('\n\n');
    expect(plain.endsWith('"seg-1-108.1.m4s"\n')).toBe(true);
  });

  // e2e ad-insertion-live (hls.js 1.7): a reload cut where a slot was due ended on the ad's URI; hls.js took that
  // whole ad segment for the segment in progress and, when the next reload listed the content at the CUE-IN
  // after it, raised "media sequence mismatch" and stopped reloading the audio rendition.
  it('never ends an LL-HLS window on a whole segment’s URI when it withholds the segment in progress, so the next reload’s segment is not compared with it', () => {
    const slots = AD(1, 3);
    // Reload 1: the break runs from 106 (no CUE-IN yet), 108 is in progress and a slot is due there.
    const first = replaceLiveBreaks(llWindow(100, 8, { out: 106, in: 200 }), [{ startMsn: 106, endMsn: undefined, slots }], 0);
    // Reload 2: the channel returned early at 108, which is now whole and content again.
    const second = replaceLiveBreaks(llWindow(101, 8, { out: 106, in: 108 }), [{ startMsn: 106, endMsn: 108, slots }], 0);
    const lastLine = first.trimEnd().split('\n').at(-1)!;
    expect(lastLine.startsWith('#'), `the window ends on ${lastLine}`).toBe(true);
    expect(first).not.toContain('#EXT-X-PRELOAD-HINT');
    const uriAt = (text: string, msn: number) => segments(text).find((s) => s.msn === msn)?.uri;
    for (const msn of [106, 107]) expect(uriAt(second, msn)).toBe(uriAt(first, msn));
    expect(uriAt(first, 108)).toBeUndefined();
    expect(uriAt(second, 108)).toBe('seg-1-108.m4s');
    // Outside LL-HLS a whole last segment is what every playlist ends with: nothing is added.
    const plain = replaceLiveBreaks(window(100, 6, { out: 104, planned: 32, in: 200 }), [{ startMsn: 104, endMsn: undefined, slots }], 0);
    expect(plain.trimEnd().split('\n').at(-1)).toBe(slots[1]!.uri);
  });
});

describe('replaceLiveBreaks: a slot published whole when the segment it replaces starts (LL-HLS)', () => {
  // e2e ad-insertion-live (Shaka, LL-HLS): with each slot withheld until the content segment it replaces was
  // whole, Shaka (PART-HOLD-BACK behind the newest part) ran dry before every ad segment: stalls of 2.2-2.5 s.
  function llWindow(first: number, size: number, cue: { out: number; in: number }): string {
    const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-TARGETDURATION:4', '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.000', '#EXT-X-PART-INF:PART-TARGET=2.000', `#EXT-X-MEDIA-SEQUENCE:${first}`, '#EXT-X-MAP:URI="init-1.mp4"'];
    for (let msn = first; msn < first + size; msn++) {
      if (msn === cue.out) lines.push('#EXT-X-CUE-OUT:DURATION=16.000');
      else if (msn > cue.out && msn < cue.in) lines.push(`#EXT-X-CUE-OUT-CONT:ElapsedTime=${(msn - cue.out) * 4}.000,Duration=16.000`);
      else if (msn === cue.in) lines.push('#EXT-X-CUE-IN');
      if (msn >= first + size - 2) lines.push(`#EXT-X-PART:DURATION=2.000,URI="seg-1-${msn}.0.m4s",INDEPENDENT=YES`, `#EXT-X-PART:DURATION=2.000,URI="seg-1-${msn}.1.m4s"`);
      lines.push('#EXTINF:4.000,', `seg-1-${msn}.m4s`);
    }
    lines.push(`#EXT-X-PART:DURATION=2.000,URI="seg-1-${first + size}.0.m4s",INDEPENDENT=YES`, `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-${first + size}.1.m4s"`, '#EXT-X-RENDITION-REPORT:URI="a1.m3u8",LAST-MSN=107,LAST-PART=0');
    return lines.join('\n') + '\n';
  }
  const slots = [...AD(1, 2), ...AD(2, 3)];
  const at = (text: string, msn: number) => segments(text).find((s) => s.msn === msn);

  it('publishes an ad slot whole when the segment it replaces starts, numbered as on every later reload', () => {
    const fill: LiveBreakFill = { startMsn: 106, endMsn: undefined, slots };
    // 108 is in progress (one part listed): spot 2's first segment is due there.
    const early = replaceLiveBreaks(llWindow(100, 8, { out: 106, in: 200 }), [fill], 0, { inProgress: 'slot' });
    expect(early).not.toMatch(/seg-1-108\.\d\.m4s/);
    expect(early).not.toContain('#EXT-X-PRELOAD-HINT');
    expect(early).toContain('#EXT-X-RENDITION-REPORT:URI="a1.m3u8"');
    expect(at(early, 108)).toMatchObject({ uri: slots[2]!.uri, map: 'https://edge/v1/media/AD/vod/ad-2/init-1.mp4' });
    // hls.js: an LL-HLS window never ends on a whole segment's URI.
    expect(early.trimEnd().split('\n').at(-1)!.startsWith('#')).toBe(true);
    // 108 whole, 109 in progress: 108 is the same slot under the same discontinuity number, and 109 is published too.
    const later = replaceLiveBreaks(llWindow(101, 8, { out: 106, in: 200 }), [fill], 0, { inProgress: 'slot' });
    expect(at(later, 108)).toEqual(at(early, 108));
    expect(at(later, 109)).toMatchObject({ uri: slots[3]!.uri, dseq: at(early, 108)!.dseq });
    // At the boundary (108 whole, 109 only hinted: what a blocking reload for msn 109 returns) 109's slot is there.
    const boundary = llWindow(101, 8, { out: 106, in: 200 }).replace(/#EXT-X-PART:DURATION=2\.000,URI="seg-1-109\.0\.m4s",INDEPENDENT=YES\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-109\.1\.m4s"/, '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-109.0.m4s"');
    expect(boundary).not.toContain('seg-1-109.0.m4s",INDEPENDENT');
    expect(at(replaceLiveBreaks(boundary, [fill], 0, { inProgress: 'slot' }), 109)).toEqual(at(later, 109));
    // Whether the segment in progress is still in the break is unknown: withheld, as before.
    const unknown = replaceLiveBreaks(llWindow(100, 8, { out: 106, in: 200 }), [fill], 0);
    expect(at(unknown, 108)).toBeUndefined();
  });

  it('keeps the parts of a segment in progress behind the return’s discontinuity when an early return lands on it', () => {
    // The return at 108 is announced (SCTE35-IN) while 108 is in progress; its CUE-IN comes with the whole segment.
    const partial = replaceLiveBreaks(llWindow(100, 8, { out: 106, in: 200 }), [{ startMsn: 106, endMsn: undefined, slots }], 0, { inProgress: 'content' });
    expect(partial).toContain('#EXT-X-PART:DURATION=2.000,URI="seg-1-108.0.m4s",INDEPENDENT=YES');
    expect(partial).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-1-108.1.m4s"');
    const lines = partial.split('\n');
    const part = lines.findIndex((l) => l.includes('seg-1-108.0.m4s'));
    expect(lines.slice(part - 2, part)).toEqual(['#EXT-X-DISCONTINUITY', '#EXT-X-MAP:URI="init-1.mp4"']);
    const whole = replaceLiveBreaks(llWindow(101, 8, { out: 106, in: 108 }), [{ startMsn: 106, endMsn: 108, slots }], 0, { inProgress: 'content' });
    expect(at(whole, 108)).toMatchObject({ uri: 'seg-1-108.m4s', dseq: at(whole, 107)!.dseq + 1 });
    // The parts were numbered after 107 and its discontinuity, as the whole segment is.
    expect(at(partial, 107)).toEqual(at(whole, 107));
  });
});

describe('insertLiveInterstitials: live SCTE-35 breaks as HLS Interstitials', () => {
  const live = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:100', '#EXT-X-MAP:URI="init-1.mp4"', '#EXT-X-PROGRAM-DATE-TIME:2026-11-21T08:00:00.000Z', '#EXTINF:4.000,', 'seg-1-100.m4s', ''].join('\n');
  const running = { id: 'splice-7', startDate: Date.parse('2026-11-21T08:00:08.000Z'), plannedSeconds: 12, assetListUri: 'https://edge/v1/media/T/ads/0.json' };

  it('puts a running break at its program date with its planned duration and the session’s asset list, before the first segment', () => {
    const text = insertLiveInterstitials(live, [running]);
    const lines = text.split('\n');
    expect(lines[4]).toBe('#EXT-X-DATERANGE:ID="ad-splice-7",CLASS="com.apple.hls.interstitial",START-DATE="2026-11-21T08:00:08.000Z",PLANNED-DURATION=12.000,X-ASSET-LIST="https://edge/v1/media/T/ads/0.json",X-RESTRICT="SKIP,JUMP",X-SNAP="OUT,IN",X-TIMELINE-OCCUPIES="RANGE"');
    expect(lines[5]).toBe('#EXT-X-MAP:URI="init-1.mp4"');
    expect(text).not.toMatch(/X-RESUME-OFFSET|X-PLAYOUT-LIMIT|,DURATION=/);
  });

  it('adds DURATION once the break is over, and X-RESUME-OFFSET and X-PLAYOUT-LIMIT after an early return, changing no attribute it had', () => {
    const before = insertLiveInterstitials(live, [running]).split('\n')[4]!;
    const onTime = insertLiveInterstitials(live, [{ ...running, airedSeconds: 12 }]).split('\n')[4]!;
    const early = insertLiveInterstitials(live, [{ ...running, airedSeconds: 4 }]).split('\n')[4]!;
    expect(onTime).toBe(`${before},DURATION=12.000`);
    expect(early).toBe(`${before},DURATION=4.000,X-RESUME-OFFSET=4.000,X-PLAYOUT-LIMIT=4.000`);
  });

  it('refuses a playlist without program dates and an attribute that would break the tag', () => {
    expect(() => insertLiveInterstitials(live.replace(/#EXT-X-PROGRAM-DATE-TIME:.*\n/, ''), [running])).toThrow(/PROGRAM-DATE-TIME/);
    expect(() => insertLiveInterstitials(live, [{ ...running, assetListUri: 'https://edge/"x' }])).toThrow(/quotes/);
    expect(insertLiveInterstitials(live, [])).toBe(live);
  });
});
