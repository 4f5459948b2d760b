// Public surface of @cascade/origin: start the service in-process, and the media pipeline building blocks.
export { loadConfig, ORIGIN_DEFAULTS, type OriginConfig } from './config.ts';
export { startOrigin, type RunningOrigin, type StartOriginOptions, type PrepareSampleContext } from './start-origin.ts';
export { resolveFfmpegPaths, type FfmpegPaths, type ResolvedBinary } from './ffmpeg-path.ts';
export { runFfmpeg, FfmpegError, type RunFfmpegOptions } from './media/run-ffmpeg.ts';
export { probeMedia, type MediaProbe } from './media/probe-media.ts';
export { makeTestSource, type MakeTestSourceOptions } from './media/make-test-source.ts';
export { packageVod, DASH_MANIFEST_FILE, type PackageVodOptions, type PackagedVod } from './media/package-vod.ts';
export { hlsFromMpd, HLS_MASTER_FILE, type PackagedRendition } from './media/hls-from-mpd.ts';
export { DEFAULT_LADDER, SAMPLE_LADDER, ladderForSource, outputFrameRate, type Ladder, type VideoRung, type AudioRung } from './media/ladder.ts';
export { ensureSampleTitle, type SampleProgress } from './sample/ensure-sample-title.ts';
export type { TitleRecord, TitleRendition } from './catalogue/title-record.ts';
