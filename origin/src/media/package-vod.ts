import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HLS_MASTER_FILE, hlsFromMpd, type PackagedRendition } from './hls-from-mpd.ts';
import type { Ladder } from './ladder.ts';
import { parseMpd } from './parse-mpd.ts';
import { probeMedia } from './probe-media.ts';
import { runFfmpeg } from './run-ffmpeg.ts';

export const DASH_MANIFEST_FILE = 'manifest.mpd';
// ffmpeg numbers Representations by output stream; names stay inside the [A-Za-z0-9._-] alphabet.
const INIT_SEGMENT_TEMPLATE = 'init-$RepresentationID$.mp4';
const MEDIA_SEGMENT_TEMPLATE = 'seg-$RepresentationID$-$Number%05d$.m4s';

export interface PackageVodOptions {
  ffmpegPath: string;
  ffprobePath: string;
  inputFile: string;
  /** An empty directory; receives the segments, manifest.mpd, master.m3u8 and the media playlists. */
  outputDir: string;
  ladder: Ladder;
  /** Target segment (and GOP) duration in seconds. */
  segmentSeconds: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Fraction 0..1 of the input transcoded so far. */
  onProgress?: (fraction: number) => void;
}

export interface PackagedVod {
  durationSeconds: number;
  segmentSeconds: number;
  manifests: { hls: string; dash: string };
  renditions: PackagedRendition[];
}

/** The ffmpeg arguments for one decode -> N x264 encodes + AAC -> DASH/CMAF packaging pass. */
export function packageVodArgs(options: {
  inputFile: string;
  outputDir: string;
  ladder: Ladder;
  segmentSeconds: number;
  frameRate: number;
  withAudio: boolean;
}): string[] {
  const { inputFile, outputDir, ladder, segmentSeconds, frameRate, withAudio } = options;
  const n = ladder.video.length;
  const graph = [
    `[0:v:0]split=${n}${ladder.video.map((_, i) => `[s${i}]`).join('')}`,
    ...ladder.video.map((rung, i) => `[s${i}]scale=-2:${rung.height},setsar=1[v${i}]`),
  ].join(';');
  // Keyframes exactly on segment boundaries in every rendition, so players can switch at any
  // boundary: a fixed GOP of one segment, no scene-cut keyframes, closed GOPs, and forced keyframes
  // by time (robust to fractional frame rates where frames-per-segment is not an integer).
  const gop = Math.ceil(segmentSeconds * frameRate);
  const args = ['-i', inputFile, '-filter_complex', graph];
  ladder.video.forEach((_, i) => args.push('-map', `[v${i}]`));
  if (withAudio) args.push('-map', '0:a:0');
  args.push(
    '-c:v', 'libx264', '-preset', ladder.x264Preset, '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    // x264's own parameters rather than -sc_threshold/-flags +cgop: they mean the same in every ffmpeg release.
    '-g:v', String(gop), '-x264-params:v', 'scenecut=0:open-gop=0',
    '-force_key_frames:v', `expr:gte(t,n_forced*${segmentSeconds})`,
  );
  ladder.video.forEach((rung, i) => {
    args.push(`-b:v:${i}`, String(rung.bitrate), `-maxrate:v:${i}`, String(rung.maxrate), `-bufsize:v:${i}`, String(rung.bufsize));
  });
  if (withAudio && ladder.audio) {
    args.push('-c:a', 'aac', '-b:a', String(ladder.audio.bitrate), '-ac', String(ladder.audio.channels), '-ar', String(ladder.audio.sampleRate));
  }
  args.push(
    '-f', 'dash',
    '-seg_duration', String(segmentSeconds),
    '-use_template', '1',
    '-use_timeline', '1',
    '-adaptation_sets', withAudio ? 'id=0,streams=v id=1,streams=a' : 'id=0,streams=v',
    '-init_seg_name', INIT_SEGMENT_TEMPLATE,
    '-media_seg_name', MEDIA_SEGMENT_TEMPLATE,
    '-y', join(outputDir, DASH_MANIFEST_FILE),
  );
  return args;
}

/**
 * Transcode an input file to an H.264/AAC ladder and package it once as CMAF (separate init and
 * media segments per rendition), described by a static DASH MPD and by HLS playlists derived from
 * that MPD. Writes only into `outputDir`; the caller publishes the directory atomically.
 */
export async function packageVod(options: PackageVodOptions): Promise<PackagedVod> {
  const { ffmpegPath, ffprobePath, inputFile, outputDir, ladder, segmentSeconds, signal, timeoutMs, onProgress } = options;
  const probe = await probeMedia(ffprobePath, inputFile);
  if (probe.video === undefined) throw new Error(`${inputFile} has no video stream`);
  const withAudio = probe.audio !== undefined && ladder.audio !== undefined;

  await runFfmpeg({
    ffmpegPath,
    signal,
    timeoutMs,
    onProgress: (progress) => onProgress?.(progress.done ? 1 : Math.min(1, progress.outTimeSeconds / probe.durationSeconds)),
    args: packageVodArgs({ inputFile, outputDir, ladder, segmentSeconds, frameRate: probe.video.frameRate, withAudio }),
  });

  // The dash muxer rewrites its MPD through temporary files; keep only finished media and manifests.
  const sizes = new Map<string, number>();
  for (const name of await readdir(outputDir)) {
    if (name.endsWith('.tmp')) {
      await rm(join(outputDir, name), { force: true });
      continue;
    }
    sizes.set(name, (await stat(join(outputDir, name))).size);
  }

  const renditionIds = new Map<string, string>();
  ladder.video.forEach((rung, i) => renditionIds.set(String(i), rung.id));
  if (withAudio && ladder.audio) renditionIds.set(String(ladder.video.length), ladder.audio.id);
  const hls = hlsFromMpd(parseMpd(await readFile(join(outputDir, DASH_MANIFEST_FILE), 'utf8')), {
    renditionIds,
    segmentBytes: sizes,
    audioChannels: ladder.audio?.channels,
  });
  for (const r of hls.renditions) {
    if (!sizes.has(r.initSegment)) throw new Error(`initialization segment ${r.initSegment} named in the MPD was not written`);
  }
  for (const playlist of hls.mediaPlaylists) await writeFile(join(outputDir, playlist.fileName), playlist.text);
  await writeFile(join(outputDir, HLS_MASTER_FILE), hls.master);

  return {
    durationSeconds: hls.durationSeconds,
    segmentSeconds,
    manifests: { hls: HLS_MASTER_FILE, dash: DASH_MANIFEST_FILE },
    renditions: hls.renditions,
  };
}
