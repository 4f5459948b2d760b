import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HLS_MASTER_FILE, hlsFromMpd, masterPlaylist, type PackagedRendition } from './hls-from-mpd.ts';
import type { Ladder } from './ladder.ts';
import { parseMpd } from './parse-mpd.ts';
import { probeMedia, type MediaProbe, type ProbedSubtitleTrack } from './probe-media.ts';
import { extractSubtitles, subtitleAdaptationSets, subtitlePlaylist, type SubtitleFile } from './extract-subtitles.ts';
import { firstSampleEnd } from './fragment-key-frame.ts';
import { iFrameBandwidth, iFramePlaylist, iFramePlaylistName, type IFrameRange } from './iframe-playlist.ts';
import { runFfmpeg } from './run-ffmpeg.ts';
import { encryptPackagedMedia, type EncryptedRepresentation } from './cenc/encrypt-packaged-media.ts';
import { dashContentProtection, hlsSampleKeyTag, withDashProtection, withKeyTag, type MediaEncryption } from './cenc/protection-signalling.ts';
import { withAes128KeyTags } from './aes128/aes128-key-tags.ts';

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
  /** The input's probe when the caller already has it (ingest probes before accepting a job). */
  probe?: MediaProbe;
  /** Source audio tracks to encode; default: the first one, if any. */
  audioTracks?: readonly AudioTrackChoice[];
  /** Convert to this constant frame rate (see outputFrameRate); default: keep the source timing. */
  constantFrameRate?: number;
  /** Kill ffmpeg past this resident memory. */
  memoryLimitBytes?: number;
  /** Source subtitle tracks to publish as WebVTT renditions (text codecs only); default none. */
  subtitleTracks?: readonly ProbedSubtitleTrack[];
  /** Write an HLS I-frame playlist per video rendition; default true. */
  iFramePlaylists?: boolean;
  /**
   * Encrypt with the key service's CPIX document (keys per tier): Common Encryption, or HLS AES-128
   * (whole segments; no I-frame playlists, and the MPD is left clear of ContentProtection because DASH
   * has no AES-128: the edge does not offer it). Default clear.
   */
  protection?: { scheme: MediaEncryption; cpix: string };
}

export interface PackagedVod {
  durationSeconds: number;
  segmentSeconds: number;
  manifests: { hls: string; dash: string };
  renditions: PackagedRendition[];
  subtitles: SubtitleFile[];
  /** Present when the media is encrypted: the scheme and each rendition's key id and tier. */
  protection?: { scheme: MediaEncryption; renditions: Array<{ renditionId: string; kid: string; tier: EncryptedRepresentation['tier'] }> };
}

/** An fps-filter rate: the NTSC family as exact rationals, everything else as a decimal. */
export function frameRateArgument(rate: number): string {
  for (const base of [24, 30, 60]) {
    if (Math.abs(rate - (base * 1000) / 1001) < 0.005) return `${base * 1000}/1001`;
  }
  return String(Math.round(rate * 1000) / 1000);
}

/** One source audio track to encode; `language` (ISO 639) ends up in both manifests. */
export interface AudioTrackChoice {
  index: number;
  language?: string;
}

/** Rendition id of the n-th audio track: the first keeps the ladder's id; others add their language or number. */
export function audioRenditionId(ladderAudioId: string, tracks: readonly AudioTrackChoice[], n: number): string {
  if (n === 0 || tracks.length <= 1) return ladderAudioId;
  const track = tracks[n]!;
  const languageTaken = tracks.some((t, i) => i !== n && t.language === track.language);
  return `${ladderAudioId}-${track.language !== undefined && !languageTaken ? track.language : String(n)}`;
}

/** The ffmpeg arguments for one decode -> N x264 encodes + AAC per audio track -> DASH/CMAF packaging pass. */
export function packageVodArgs(options: {
  inputFile: string;
  outputDir: string;
  ladder: Ladder;
  segmentSeconds: number;
  frameRate: number;
  /** Source audio tracks to encode; `true` means the first one (the sample's form). */
  withAudio: boolean | readonly AudioTrackChoice[];
  /** Convert to this constant frame rate first (variable-frame-rate sources); undefined keeps the source timing. */
  constantFrameRate?: number;
}): string[] {
  const { inputFile, outputDir, ladder, segmentSeconds, frameRate, constantFrameRate } = options;
  const tracks: readonly AudioTrackChoice[] =
    ladder.audio === undefined || options.withAudio === false ? [] : options.withAudio === true ? [{ index: 0 }] : options.withAudio;
  const n = ladder.video.length;
  const head = constantFrameRate === undefined ? '[0:v:0]' : `[0:v:0]fps=fps=${frameRateArgument(constantFrameRate)}[cfr];[cfr]`;
  const graph = [
    `${head}split=${n}${ladder.video.map((_, i) => `[s${i}]`).join('')}`,
    ...ladder.video.map((rung, i) => `[s${i}]scale=-2:${rung.height},setsar=1[v${i}]`),
  ].join(';');
  // Keyframes exactly on segment boundaries in every rendition, so players can switch at any
  // boundary: a fixed GOP of one segment, no scene-cut keyframes, closed GOPs, and forced keyframes
  // by time (robust to fractional frame rates where frames-per-segment is not an integer).
  const gop = Math.ceil(segmentSeconds * (constantFrameRate ?? frameRate));
  const args = ['-i', inputFile, '-filter_complex', graph];
  ladder.video.forEach((_, i) => args.push('-map', `[v${i}]`));
  for (const track of tracks) args.push('-map', `0:a:${track.index}`);
  args.push(
    '-c:v', 'libx264', '-preset', ladder.x264Preset, '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    // x264's own parameters rather than -sc_threshold/-flags +cgop: they mean the same in every ffmpeg release.
    '-g:v', String(gop), '-x264-params:v', 'scenecut=0:open-gop=0',
    '-force_key_frames:v', `expr:gte(t,n_forced*${segmentSeconds})`,
  );
  ladder.video.forEach((rung, i) => {
    args.push(`-b:v:${i}`, String(rung.bitrate), `-maxrate:v:${i}`, String(rung.maxrate), `-bufsize:v:${i}`, String(rung.bufsize));
  });
  if (tracks.length > 0 && ladder.audio) {
    args.push('-c:a', 'aac', '-b:a', String(ladder.audio.bitrate), '-ac', String(ladder.audio.channels), '-ar', String(ladder.audio.sampleRate));
    // The dash muxer writes each stream's language tag as AdaptationSet@lang.
    tracks.forEach((track, i) => args.push(`-metadata:s:a:${i}`, `language=${track.language ?? 'und'}`));
  }
  // One AdaptationSet per audio track: languages are alternatives, not bit-rate steps of one another.
  const sets = ['id=0,streams=v', ...tracks.map((_, i) => `id=${i + 1},streams=${n + i}`)];
  args.push(
    '-f', 'dash',
    '-seg_duration', String(segmentSeconds),
    '-use_template', '1',
    '-use_timeline', '1',
    '-adaptation_sets', sets.join(' '),
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
  const { ffmpegPath, ffprobePath, inputFile, outputDir, ladder, segmentSeconds, signal, timeoutMs, onProgress, constantFrameRate, memoryLimitBytes } = options;
  const probe = options.probe ?? (await probeMedia(ffprobePath, inputFile));
  if (probe.video === undefined) throw new Error(`${inputFile} has no video stream`);
  const audioTracks = ladder.audio === undefined ? [] : (options.audioTracks ?? (probe.audio !== undefined ? [{ index: 0 }] : []));

  await runFfmpeg({
    ffmpegPath,
    signal,
    timeoutMs,
    memoryLimitBytes,
    onProgress: (progress) => onProgress?.(progress.done ? 1 : Math.min(1, progress.outTimeSeconds / probe.durationSeconds)),
    args: packageVodArgs({ inputFile, outputDir, ladder, segmentSeconds, frameRate: probe.video.frameRate, withAudio: audioTracks, constantFrameRate }),
  });

  // The dash muxer rewrites its MPD through temporary files; keep only finished media and manifests.
  for (const name of await readdir(outputDir)) {
    if (name.endsWith('.tmp')) await rm(join(outputDir, name), { force: true });
  }
  const mpd = parseMpd(await readFile(join(outputDir, DASH_MANIFEST_FILE), 'utf8'));
  // Encryption comes before sizes are measured: HLS BANDWIDTH and I-frame ranges describe the bytes served.
  const encrypted = options.protection
    ? await encryptPackagedMedia({ outputDir, mpd, cpix: options.protection.cpix, scheme: options.protection.scheme, audioChannels: ladder.audio?.channels })
    : [];
  const sizes = new Map<string, number>();
  for (const name of await readdir(outputDir)) sizes.set(name, (await stat(join(outputDir, name))).size);

  const renditionIds = new Map<string, string>();
  ladder.video.forEach((rung, i) => renditionIds.set(String(i), rung.id));
  const audioId = ladder.audio?.id ?? 'audio';
  audioTracks.forEach((_, i) => renditionIds.set(String(ladder.video.length + i), audioRenditionId(audioId, audioTracks, i)));
  const hls = hlsFromMpd(mpd, {
    renditionIds,
    segmentBytes: sizes,
    audioChannels: ladder.audio?.channels,
  });
  for (const r of hls.renditions) {
    if (!sizes.has(r.initSegment)) throw new Error(`initialization segment ${r.initSegment} named in the MPD was not written`);
  }
  const scheme = options.protection?.scheme;
  const keyTags = new Map<string, string>();
  for (const r of hls.renditions) {
    const key = encrypted.find((e) => e.representationId === r.representationId);
    if (scheme !== undefined && key === undefined) throw new Error(`rendition ${r.id} was not encrypted`);
    if (scheme !== undefined && scheme !== 'aes-128' && key) keyTags.set(r.playlist, hlsSampleKeyTag(scheme, key.kid));
  }
  for (const playlist of hls.mediaPlaylists) {
    const r = hls.renditions.find((x) => x.playlist === playlist.fileName);
    const aes = scheme === 'aes-128' ? encrypted.find((e) => e.representationId === r?.representationId) : undefined;
    const tag = keyTags.get(playlist.fileName);
    const text = aes?.ivs ? withAes128KeyTags(playlist.text, aes.kid, aes.ivs) : tag === undefined ? playlist.text : withKeyTag(playlist.text, tag);
    await writeFile(join(outputDir, playlist.fileName), text);
  }

  // I-frame playlists address byte ranges inside segments: impossible once AES-128 encrypts segments whole.
  if (options.iFramePlaylists !== false && scheme !== 'aes-128') {
    for (const r of hls.renditions.filter((x) => x.type === 'video')) {
      const ranges: IFrameRange[] = [];
      for (const segment of r.segments) {
        ranges.push({ uri: segment.uri, length: firstSampleEnd(await readFile(join(outputDir, segment.uri))), duration: segment.duration });
      }
      const name = iFramePlaylistName(r.id);
      const tag = keyTags.get(r.playlist);
      await writeFile(join(outputDir, name), tag === undefined ? iFramePlaylist(r, ranges) : withKeyTag(iFramePlaylist(r, ranges), tag));
      r.iFrames = { playlist: name, bandwidth: iFrameBandwidth(ranges) };
    }
  }

  const subtitles = await extractSubtitles({ ffmpegPath, inputFile, outputDir, tracks: options.subtitleTracks ?? [], signal, timeoutMs });
  for (const sub of subtitles) await writeFile(join(outputDir, sub.playlist), subtitlePlaylist(sub.file, hls.durationSeconds));
  if (subtitles.length > 0) {
    const mpdPath = join(outputDir, DASH_MANIFEST_FILE);
    const mpdText = await readFile(mpdPath, 'utf8');
    const end = mpdText.lastIndexOf('</Period>');
    if (end === -1) throw new Error('the MPD has no Period to add subtitles to');
    await writeFile(mpdPath, `${mpdText.slice(0, end)}${subtitleAdaptationSets(subtitles, 1 + audioTracks.length)}\n\t${mpdText.slice(end)}`);
  }
  if (scheme !== undefined && scheme !== 'aes-128') {
    const mpdPath = join(outputDir, DASH_MANIFEST_FILE);
    const byRepresentation = new Map(encrypted.map((e) => [e.representationId, (indent: string) => dashContentProtection(scheme, e.kid, e.pssh, indent)]));
    await writeFile(mpdPath, withDashProtection(await readFile(mpdPath, 'utf8'), byRepresentation));
  }
  await writeFile(join(outputDir, HLS_MASTER_FILE), masterPlaylist(hls.renditions, subtitles));

  return {
    durationSeconds: hls.durationSeconds,
    segmentSeconds,
    manifests: { hls: HLS_MASTER_FILE, dash: DASH_MANIFEST_FILE },
    renditions: hls.renditions,
    subtitles,
    ...(scheme !== undefined && {
      protection: {
        scheme,
        renditions: encrypted.map((e) => ({ renditionId: hls.renditions.find((r) => r.representationId === e.representationId)!.id, kid: e.kid, tier: e.tier })),
      },
    }),
  };
}
