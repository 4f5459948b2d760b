import type { LiveRenditionInfo, LiveSegment } from './channel-store.ts';
import { adBreakEndMs, type AdBreakSignal } from './ad-break-signal.ts';
import { initFile, LIVE_MPD_FILE } from './live-file-names.ts';
import { toBase64 } from './scte35-splice-insert.ts';

export interface DashLiveMpdOptions {
  epochMs: number;
  now: number;
  segmentSeconds: number;
  dvrWindowSeconds: number;
  renditions: LiveRenditionInfo[];
  /** Each rendition's segments inside the window, oldest first. */
  segments: Map<string, LiveSegment[]>;
  breaks: AdBreakSignal[];
}

function duration(seconds: number): string {
  return `PT${Number(seconds.toFixed(3))}S`;
}

function timeline(segments: LiveSegment[]): string {
  const entries: string[] = [];
  let i = 0;
  while (i < segments.length) {
    const s = segments[i]!;
    let repeat = 0;
    while (i + repeat + 1 < segments.length) {
      const next = segments[i + repeat + 1]!;
      if (next.duration !== s.duration || next.start !== s.start + (repeat + 1) * s.duration) break;
      repeat += 1;
    }
    entries.push(`<S t="${s.start}" d="${s.duration}"${repeat > 0 ? ` r="${repeat}"` : ''}/>`);
    i += repeat + 1;
  }
  return entries.join('');
}

/**
 * How far behind the live edge a DASH player should play (MPD@suggestedPresentationDelay). A SegmentTimeline
 * player learns of a segment only from a reload: the segment ends, is published (up to about 1 s later on a
 * busy 2-core machine), and the next reload, up to a minimumUpdatePeriod (one segment) later, lists it.
 * Shaka plays at the wall clock less maxSegmentDuration less this delay, so with a quarter segment (0.5 s, the
 * first choice) it reached a segment's start about 2.5 s after it, before its reload had listed the
 * segment, and stalled up to 2 s (e2e ad-insertion-dash-live, CI runs of 2026-11-21). Two segments cover the
 * publication lag and a whole update period: about 6 s behind the wall clock with 2 s segments.
 */
export function presentationDelaySeconds(segmentSeconds: number): number {
  return 2 * segmentSeconds;
}

/**
 * A dynamic MPD (ISO/IEC 23009-1, isoff-live profile) over the same CMAF segments as HLS: one Period
 * from availabilityStartTime, SegmentTimeline with $Time$ addressing (a gap in the timeline simply has
 * no S entry), timeShiftBufferDepth = the DVR window, UTCTiming so players need no other clock, and
 * ad breaks as an SCTE-35 EventStream (urn:scte:scte35:2014:xml+bin). A rendition whose init segment
 * changed within the window (a new encoder configuration) lists only the segments after the change.
 */
export function dashLiveMpd(options: DashLiveMpdOptions): string {
  const { epochMs, now, segmentSeconds, dvrWindowSeconds, renditions, segments, breaks } = options;
  const maxSegment = Math.max(segmentSeconds, ...[...segments.values()].flat().map((s) => s.duration / s.timescale));
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:scte35="http://www.scte.org/schemas/35/2016" profiles="urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019" type="dynamic"` +
      ` availabilityStartTime="${new Date(epochMs).toISOString()}" publishTime="${new Date(now).toISOString()}"` +
      ` minimumUpdatePeriod="${duration(segmentSeconds)}" timeShiftBufferDepth="${duration(dvrWindowSeconds)}"` +
      ` suggestedPresentationDelay="${duration(presentationDelaySeconds(segmentSeconds))}" maxSegmentDuration="${duration(maxSegment)}" minBufferTime="${duration(segmentSeconds)}">`,
    // Reloads go to the URL the manifest was served from (the edge rewrites it per session).
    `<Location>${LIVE_MPD_FILE}</Location>`,
    '<Period id="live" start="PT0S">',
  ];
  const events = breaks.filter((b) => adBreakEndMs(b.adBreak) >= now - dvrWindowSeconds * 1000);
  if (events.length > 0) {
    out.push('<EventStream schemeIdUri="urn:scte:scte35:2014:xml+bin" timescale="1000">');
    for (const { adBreak, out: section } of events) {
      out.push(
        // After an early return the duration is the break as aired; the binary keeps the planned break_duration.
        `<Event presentationTime="${adBreak.startMs - epochMs}" duration="${adBreakEndMs(adBreak) - adBreak.startMs}" id="${adBreak.spliceEventId}">` +
          `<scte35:Signal><scte35:Binary>${toBase64(section)}</scte35:Binary></scte35:Signal></Event>`,
      );
    }
    out.push('</EventStream>');
  }
  const sets: Array<{ type: 'video' | 'audio'; list: LiveRenditionInfo[] }> = [
    { type: 'video', list: renditions.filter((r) => r.type === 'video') },
    { type: 'audio', list: renditions.filter((r) => r.type === 'audio') },
  ];
  sets.forEach(({ type, list }, index) => {
    if (list.length === 0) return;
    out.push(
      type === 'video'
        ? `<AdaptationSet id="${index}" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="${Math.max(...list.map((r) => r.width ?? 0))}" maxHeight="${Math.max(...list.map((r) => r.height ?? 0))}" frameRate="${list[0]!.frameRate ?? 25}">`
        : `<AdaptationSet id="${index}" contentType="audio" mimeType="audio/mp4" lang="und" segmentAlignment="true" startWithSAP="1">`,
    );
    for (const rendition of list) {
      let own = segments.get(rendition.id)?.filter((s) => !s.gap) ?? [];
      const latest = own.at(-1);
      if (latest === undefined) continue;
      own = own.filter((s) => s.initId === latest.initId);
      const size = type === 'video' ? ` width="${rendition.width}" height="${rendition.height}" frameRate="${rendition.frameRate}" sar="1:1"` : ' audioSamplingRate="48000"';
      out.push(`<Representation id="${rendition.id}" bandwidth="${rendition.bandwidth}" codecs="${rendition.codecs}"${size}>`);
      if (type === 'audio') out.push('<AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>');
      out.push(
        `<SegmentTemplate timescale="${rendition.timescale}" initialization="${initFile(rendition.id, latest.initId)}" media="${rendition.id}-t$Time$.m4s">` +
          `<SegmentTimeline>${timeline(own)}</SegmentTimeline></SegmentTemplate>`,
      );
      out.push('</Representation>');
    }
    out.push('</AdaptationSet>');
  });
  out.push('</Period>');
  out.push(`<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="${new Date(now).toISOString()}"/>`);
  out.push('</MPD>');
  return `${out.join('\n')}\n`;
}
