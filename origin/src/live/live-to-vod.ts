import { copyFile, link, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProblemError } from '@cascade/common';
import { TITLE_RECORD_FILE, type TitleRecord, type TitleRendition } from '../catalogue/title-record.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { createTitleBuild, discardTitleBuild, publishTitleBuild } from '../storage/title-build.ts';
import type { LiveRenditionInfo, LiveSegment } from './channel-store.ts';
import { hlsLiveMaster } from './hls-live-master.ts';
import { mediaPlaylistFile, segmentFile } from './live-file-names.ts';

export interface LiveToVodOptions {
  layout: DataLayout;
  /** The channel's media directory. */
  channelDir: string;
  titleId: string;
  name: string;
  renditions: LiveRenditionInfo[];
  /** Each rendition's stored segments, oldest first. */
  segments: (rendition: string) => LiveSegment[];
  fromMs: number;
  toMs: number;
  now?: Date;
}

/** A segment belongs to the window when it lies inside it, give or take a frame of grid rounding. */
const TOLERANCE_MS = 100;

function vodPlaylist(rendition: string, segments: LiveSegment[]): string {
  const target = Math.max(...segments.map((s) => Math.round(s.duration / s.timescale)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:1', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS', `#EXT-X-MAP:URI="${rendition}-init.mp4"`];
  segments.forEach((segment, i) => {
    const previous = segments[i - 1];
    // A gap or an encoder restart inside the window stays a discontinuity in the recording.
    if (previous && (segment.disc !== previous.disc || segment.start !== previous.start + previous.duration)) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.pdtMs).toISOString()}`, `#EXTINF:${(segment.duration / segment.timescale).toFixed(3)},`, `${rendition}-${i + 1}.m4s`);
  });
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

function vodMpd(renditions: Array<{ info: LiveRenditionInfo; segments: LiveSegment[] }>, durationSeconds: number): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT${durationSeconds.toFixed(3)}S" minBufferTime="PT2S">`,
    '<Period id="0" start="PT0S">',
  ];
  for (const type of ['video', 'audio'] as const) {
    const list = renditions.filter((r) => r.info.type === type);
    if (list.length === 0) continue;
    out.push(`<AdaptationSet contentType="${type}" mimeType="${type}/mp4" segmentAlignment="true" startWithSAP="1"${type === 'audio' ? ' lang="und"' : ''}>`);
    for (const { info, segments } of list) {
      const size = type === 'video' ? ` width="${info.width}" height="${info.height}" frameRate="${info.frameRate}"` : ' audioSamplingRate="48000"';
      const timeline = segments.map((s, i) => `<S${i === 0 || s.start !== segments[i - 1]!.start + segments[i - 1]!.duration ? ` t="${s.start}"` : ''} d="${s.duration}"/>`).join('');
      out.push(
        `<Representation id="${info.id}" bandwidth="${info.bandwidth}" codecs="${info.codecs}"${size}>` +
          `<SegmentTemplate timescale="${info.timescale}" presentationTimeOffset="${segments[0]!.start}" initialization="${info.id}-init.mp4" media="${info.id}-$Number$.m4s" startNumber="1">` +
          `<SegmentTimeline>${timeline}</SegmentTimeline></SegmentTemplate></Representation>`,
      );
    }
    out.push('</AdaptationSet>');
  }
  out.push('</Period>', '</MPD>');
  return `${out.join('\n')}\n`;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/**
 * Live-to-VOD without re-encoding: the channel's segments inside [fromMs, toMs] become a VOD title.
 * Segment and init files are hard-linked (copied across file systems), renumbered from 1; HLS VOD
 * playlists and a static MPD are written over them, and the title is published atomically like an
 * ingested one. Segments after the newest init change are used (one init per rendition).
 */
export async function liveToVod(options: LiveToVodOptions): Promise<TitleRecord> {
  const { layout, channelDir, titleId, name, fromMs, toMs } = options;
  const chosen = options.renditions.map((info) => {
    const all = options.segments(info.id).filter((s) => !s.gap && s.pdtMs >= fromMs - TOLERANCE_MS && s.pdtMs + (s.duration / s.timescale) * 1000 <= toMs + TOLERANCE_MS);
    const latest = all.at(-1)?.initId;
    return { info, segments: all.filter((s) => s.initId === latest) };
  });
  if (chosen.length === 0 || chosen.some((r) => r.segments.length === 0)) {
    throw new ProblemError('bad-request', `from/to: the window ${new Date(fromMs).toISOString()} – ${new Date(toMs).toISOString()} holds no complete segment of every rendition`);
  }
  const build = await createTitleBuild(layout, titleId);
  try {
    const renditions: TitleRendition[] = [];
    for (const { info, segments } of chosen) {
      await linkOrCopy(join(channelDir, `${info.id}-init-${segments[0]!.initId}.mp4`), join(build.outputDir, `${info.id}-init.mp4`));
      let bytes = 0;
      let peak = 0;
      for (const [i, segment] of segments.entries()) {
        const target = join(build.outputDir, `${info.id}-${i + 1}.m4s`);
        await linkOrCopy(join(channelDir, segmentFile(info.id, segment.seq)), target);
        const size = (await stat(target)).size;
        bytes += size;
        peak = Math.max(peak, Math.round((size * 8) / (segment.duration / segment.timescale)));
      }
      const seconds = segments.reduce((sum, s) => sum + s.duration / s.timescale, 0);
      await writeFile(join(build.outputDir, mediaPlaylistFile(info.id)), vodPlaylist(info.id, segments));
      const rendition: TitleRendition = {
        id: info.id, type: info.type, codecs: info.codecs, bandwidth: peak, averageBandwidth: Math.round((bytes * 8) / seconds),
        playlist: mediaPlaylistFile(info.id), initSegment: `${info.id}-init.mp4`, segmentCount: segments.length,
      };
      if (info.width !== undefined) rendition.width = info.width;
      if (info.height !== undefined) rendition.height = info.height;
      if (info.frameRate !== undefined) rendition.frameRate = info.frameRate;
      if (info.type === 'audio') rendition.channels = 2;
      renditions.push(rendition);
    }
    const video = chosen.find((r) => r.info.type === 'video') ?? chosen[0]!;
    const durationSeconds = video.segments.reduce((sum, s) => sum + s.duration / s.timescale, 0);
    await writeFile(join(build.outputDir, 'master.m3u8'), hlsLiveMaster(chosen.map((r) => r.info)));
    await writeFile(join(build.outputDir, 'manifest.mpd'), vodMpd(chosen, durationSeconds));
    const record: TitleRecord = {
      id: titleId,
      kind: 'vod',
      name,
      durationSeconds: Math.round(durationSeconds * 1000) / 1000,
      segmentDurationSeconds: Math.round(video.segments[0]!.duration / video.segments[0]!.timescale),
      manifests: { hls: 'master.m3u8', dash: 'manifest.mpd' },
      renditions,
      createdAt: (options.now ?? new Date()).toISOString(),
    };
    await writeFile(join(build.outputDir, TITLE_RECORD_FILE), JSON.stringify(record, null, 2));
    try {
      await publishTitleBuild(layout, build);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ProblemError('title-exists', `title ${JSON.stringify(titleId)} already exists`);
      throw error;
    }
    return record;
  } catch (error) {
    await discardTitleBuild(build);
    throw error;
  }
}
