import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Logger } from '@cascade/common/node';
import { TITLE_RECORD_FILE, titleRecordFrom } from '../catalogue/title-record.ts';
import type { FfmpegPaths } from '../ffmpeg-path.ts';
import type { Ladder } from '../media/ladder.ts';
import { packageVod } from '../media/package-vod.ts';
import { runFfmpeg } from '../media/run-ffmpeg.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { createTitleBuild, discardTitleBuild, publishTitleBuild, removeTitleDir, titleState } from '../storage/title-build.ts';
import { slateVideoGraph } from './slate-card.ts';

export const SLATE_TITLE_ID = 'slate';
const SLATE_SECONDS = 4;
const SLATE_SEGMENT_SECONDS = 2;

/** One small rendition plus silent audio: the slate stands in for whatever a channel's player has selected. */
export const SLATE_LADDER: Ladder = {
  video: [{ id: 'video-360p', height: 360, bitrate: 250_000, maxrate: 300_000, bufsize: 500_000 }],
  audio: { id: 'audio-aac-64k', bitrate: 64_000, channels: 2, sampleRate: 48_000 },
  x264Preset: 'veryfast',
};

export interface EnsureSlateTitleOptions {
  layout: DataLayout;
  tools: FfmpegPaths;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * Make the blackout slate title (`slate`) unless it is published: a 4-second "Not available in your
 * region" card in two 2-second segments, one 360p rendition and silent AAC. The edge loops it as a
 * live playlist in place of a live channel's during a regional blackout (README "Live blackout").
 * Same build-then-rename publishing as the demo title, so a crash never leaves half a slate.
 */
export async function ensureSlateTitle(options: EnsureSlateTitleOptions): Promise<'existing' | 'created'> {
  const { layout, tools, logger, signal } = options;
  const state = await titleState(layout, SLATE_TITLE_ID);
  if (state === 'published') return 'existing';
  if (state === 'broken') await removeTitleDir(layout, SLATE_TITLE_ID);

  const started = Date.now();
  const build = await createTitleBuild(layout, SLATE_TITLE_ID);
  try {
    const source = join(build.workDir, 'slate.mp4');
    const video = await slateVideoGraph(tools.ffmpeg.path, 640, 360, 25, SLATE_SECONDS);
    await runFfmpeg({
      ffmpegPath: tools.ffmpeg.path,
      signal,
      args: [
        '-f', 'lavfi', '-i', video.graph,
        '-f', 'lavfi', '-i', `anullsrc=channel_layout=stereo:sample_rate=48000`,
        '-map', '0:v', '-map', '1:a',
        '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-g', '50',
        '-c:a', 'aac', '-b:a', '64k',
        '-t', String(SLATE_SECONDS), '-movflags', '+faststart', '-y', source,
      ],
    });
    const packaged = await packageVod({
      ffmpegPath: tools.ffmpeg.path,
      ffprobePath: tools.ffprobe.path,
      inputFile: source,
      outputDir: build.outputDir,
      ladder: SLATE_LADDER,
      segmentSeconds: SLATE_SEGMENT_SECONDS,
      ...(signal && { signal }),
    });
    const record = titleRecordFrom(SLATE_TITLE_ID, 'Blackout slate: not available in your region', packaged);
    await writeFile(join(build.outputDir, TITLE_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    signal?.throwIfAborted();
    await publishTitleBuild(layout, build);
    logger.info({ titleId: SLATE_TITLE_ID, text: video.text, elapsedMs: Date.now() - started }, 'slate title published');
    return 'created';
  } catch (error) {
    await discardTitleBuild(build);
    throw error;
  }
}
