/** One H.264 rendition. Width follows the source aspect ratio (scale=-2:height). */
export interface VideoRung {
  /** Rendition id, also the HLS media playlist name (`<id>.m3u8`); [A-Za-z0-9._-]. */
  id: string;
  height: number;
  /** Target bit rate in bits/s; maxrate and bufsize cap the peaks (capped VBR). */
  bitrate: number;
  maxrate: number;
  bufsize: number;
}

export interface AudioRung {
  id: string;
  bitrate: number;
  channels: number;
  sampleRate: number;
}

export interface Ladder {
  video: VideoRung[];
  /** The AAC-LC encoding every audio track gets (one rendition per source audio track); undefined for silent output. */
  audio: AudioRung | undefined;
  /** x264 preset: speed against compression. */
  x264Preset: string;
}

function rung(height: number, bitrate: number): VideoRung {
  return { id: `video-${height}p`, height, bitrate, maxrate: Math.round(bitrate * 1.1), bufsize: bitrate * 2 };
}

const AAC_STEREO: AudioRung = { id: 'audio-aac-128k', bitrate: 128_000, channels: 2, sampleRate: 48_000 };

/**
 * The ladder for ingested titles: five H.264 High renditions from 240p to 1080p plus AAC-LC stereo,
 * bit rates in the range of Apple's HLS authoring guidelines for 16:9 at 24–30 fps.
 * `ladderForSource` drops the rungs above the source's height, so nothing is upscaled.
 */
export const DEFAULT_LADDER: Ladder = {
  video: [rung(240, 400_000), rung(360, 800_000), rung(480, 1_400_000), rung(720, 2_800_000), rung(1080, 5_000_000)],
  audio: AAC_STEREO,
  x264Preset: 'veryfast',
};

/** The sample `demo`'s three renditions: made at first start and by every e2e run, so sized to encode quickly on two cores. */
export const SAMPLE_LADDER: Ladder = {
  video: [
    { id: 'video-360p', height: 360, bitrate: 800_000, maxrate: 880_000, bufsize: 1_600_000 },
    { id: 'video-540p', height: 540, bitrate: 2_000_000, maxrate: 2_200_000, bufsize: 4_000_000 },
    { id: 'video-720p', height: 720, bitrate: 3_000_000, maxrate: 3_300_000, bufsize: 6_000_000 },
  ],
  audio: AAC_STEREO,
  x264Preset: 'veryfast',
};

/**
 * The rungs of `ladder` a source can fill without upscaling: every rung whose height is at most the
 * source's displayed height (rotation taken into account). A source smaller than the lowest rung
 * gets one rendition at its own (even) height with the lowest rung's bit rate.
 */
export function ladderForSource(ladder: Ladder, source: { width: number; height: number; rotation?: number }): Ladder {
  const quarterTurn = Math.abs(Math.round((source.rotation ?? 0) / 90)) % 2 === 1;
  const displayHeight = quarterTurn ? source.width : source.height;
  const fitting = ladder.video.filter((r) => r.height <= displayHeight);
  if (fitting.length > 0) return { ...ladder, video: fitting };
  const lowest = [...ladder.video].sort((a, b) => a.height - b.height)[0];
  if (lowest === undefined) throw new Error('the ladder has no video rungs');
  const height = Math.max(2, displayHeight - (displayHeight % 2));
  return { ...ladder, video: [{ ...lowest, id: `video-${height}p`, height }] };
}

const MAX_OUTPUT_FPS = 60;

/**
 * The constant frame rate the renditions get. Variable-frame-rate sources (phones) have an average
 * rate that is no real rate; their nominal rate (r_frame_rate) is used instead. Rates above 60 fps
 * are halved until they fit, which keeps every second frame.
 */
export function outputFrameRate(video: { frameRate: number; nominalFrameRate?: number }): number {
  let rate = video.nominalFrameRate !== undefined && video.nominalFrameRate <= 2 * MAX_OUTPUT_FPS && Math.abs(video.nominalFrameRate - video.frameRate) > 0.01
    ? video.nominalFrameRate
    : video.frameRate;
  while (rate > MAX_OUTPUT_FPS) rate /= 2;
  return Math.round(rate * 1000) / 1000;
}
