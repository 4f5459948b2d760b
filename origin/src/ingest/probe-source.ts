import { stat } from 'node:fs/promises';
import { ProblemError } from '@cascade/common';
import { probeMedia, type MediaProbe } from '../media/probe-media.ts';

export interface SourceLimits {
  /** Longest side in pixels (ORIGIN_MAX_SOURCE_DIMENSION). */
  maxDimension: number;
  /** Longest duration in seconds (ORIGIN_MAX_SOURCE_SECONDS). */
  maxSeconds: number;
}

/**
 * Probe a source before any transcoding and refuse what the pipeline cannot make into a title, with
 * the reason: `source-unreadable` when it is not media ffprobe can read (empty, text, an MP4 cut
 * before its moov box), `source-unsupported` when it is media the origin will not take (no video,
 * above the size or duration limits, no usable frame rate).
 */
export async function probeSource(ffprobePath: string, file: string, limits: SourceLimits): Promise<MediaProbe & { video: NonNullable<MediaProbe['video']> }> {
  const size = (await stat(file)).size;
  if (size === 0) throw new ProblemError('source-unreadable', 'the source is empty (0 bytes)');
  let probe: MediaProbe;
  try {
    probe = await probeMedia(ffprobePath, file);
  } catch (error) {
    // ffprobe's own words ("moov atom not found", "Invalid data found when processing input") name the cause.
    const reason = (error as Error).message.replace(/ffprobe failed: /, '').replaceAll(file, 'source');
    throw new ProblemError('source-unreadable', `the source is not a readable media file: ${reason}`);
  }
  const { video } = probe;
  if (video === undefined) {
    const what = probe.audioTracks.length > 0 ? 'audio only' : 'no video stream';
    throw new ProblemError('source-unsupported', `the source has ${what}; a title needs a video stream`, { probe });
  }
  if (video.width <= 0 || video.height <= 0) throw new ProblemError('source-unsupported', 'the video stream has no picture size', { probe });
  if (Math.max(video.width, video.height) > limits.maxDimension) {
    throw new ProblemError(
      'source-unsupported',
      `the video is ${video.width}x${video.height}; the origin accepts at most ${limits.maxDimension} pixels on the longest side (ORIGIN_MAX_SOURCE_DIMENSION)`,
      { probe },
    );
  }
  if (probe.durationSeconds > limits.maxSeconds) {
    throw new ProblemError('source-unsupported', `the source lasts ${Math.round(probe.durationSeconds)} s; the limit is ${limits.maxSeconds} s (ORIGIN_MAX_SOURCE_SECONDS)`, { probe });
  }
  if (!(video.frameRate > 0 && video.frameRate <= 1000)) {
    throw new ProblemError('source-unsupported', `the video frame rate ${video.frameRate} is not usable`, { probe });
  }
  return { ...probe, video };
}
