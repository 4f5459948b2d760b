import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { KeyEncryptionKey } from '@cascade/licensing/protection';
import { issueTitleKeys } from '../keys/title-key-service.ts';
import { tiersForLadder } from '../keys/tiers-for-ladder.ts';
import type { Logger } from '@cascade/common/node';
import { TITLE_RECORD_FILE, titleRecordFrom, type TitleRecord } from '../catalogue/title-record.ts';
import type { FfmpegPaths } from '../ffmpeg-path.ts';
import { SAMPLE_LADDER, type Ladder } from '../media/ladder.ts';
import { makeTestSource } from '../media/make-test-source.ts';
import { packageVod } from '../media/package-vod.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { createTitleBuild, discardTitleBuild, publishTitleBuild, removeTitleDir, titleState } from '../storage/title-build.ts';

export type SampleStage = 'source' | 'package' | 'publish';

export interface SampleProgress {
  stage: SampleStage;
  /** Whole job, 0..100. */
  percent: number;
}

export interface EnsureSampleTitleOptions {
  layout: DataLayout;
  titleId: string;
  durationSeconds: number;
  tools: FfmpegPaths;
  logger: Logger;
  ladder?: Ladder;
  segmentSeconds?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SampleProgress) => void;
  /** Encrypt the sample (README "Licensing"); default clear. */
  protection?: { scheme: 'cenc' | 'cbcs' | 'aes-128'; kek: KeyEncryptionKey };
}

// Share of the wall time each stage takes on two cores (measured for the 60 s sample: source ~35 %, ladder ~65 %).
const STAGE_SPAN: Record<SampleStage, [number, number]> = { source: [0, 35], package: [35, 99], publish: [99, 100] };

/**
 * Make the sample VOD title unless it is already published: synthesize a test-pattern mezzanine,
 * transcode and package it, write its catalogue record, publish atomically. Returns whether it had
 * to be made. On any failure nothing is published and the build directory is removed.
 */
export async function ensureSampleTitle(options: EnsureSampleTitleOptions): Promise<'existing' | 'created'> {
  const { layout, titleId, durationSeconds, tools, logger, ladder = SAMPLE_LADDER, segmentSeconds = 4, signal, onProgress } = options;
  let state = await titleState(layout, titleId);
  if (state === 'published') {
    const record = JSON.parse(await readFile(join(layout.titleDir(titleId), TITLE_RECORD_FILE), 'utf8')) as TitleRecord;
    // A sample made before encryption was configured (or with another scheme) is made again, once.
    const sameScheme = (record.protection?.scheme ?? 'none') === (options.protection?.scheme ?? 'none');
    // Keys wrapped under another key-encryption key (the KEK was replaced) could never be licensed.
    const keysUnwrap = !options.protection || !record.protection || (await options.protection.kek.unwrap(record.protection.keys[0]!).then(() => true, () => false));
    if (sameScheme && keysUnwrap) return 'existing';
    logger.warn({ titleId, had: record.protection?.scheme ?? 'none', wanted: options.protection?.scheme ?? 'none' }, 'sample title has another encryption than configured; making it again');
    await removeTitleDir(layout, titleId);
    state = 'absent';
  }
  if (state === 'broken') {
    logger.warn({ titleId }, 'sample title directory has no title record; removing it and making the sample again');
    await removeTitleDir(layout, titleId);
  }

  const started = Date.now();
  let loggedDecile = -1;
  const report = (stage: SampleStage, fraction: number) => {
    const [from, to] = STAGE_SPAN[stage];
    const percent = Math.round((from + (to - from) * Math.min(1, Math.max(0, fraction))) * 10) / 10;
    onProgress?.({ stage, percent });
    const decile = Math.floor(percent / 10);
    if (decile > loggedDecile) {
      loggedDecile = decile;
      logger.info({ titleId, stage, percent, elapsedMs: Date.now() - started }, 'making sample title');
    }
  };

  const build = await createTitleBuild(layout, titleId);
  try {
    report('source', 0);
    const source = join(build.workDir, 'mezzanine.mp4');
    await makeTestSource({
      ffmpegPath: tools.ffmpeg.path,
      outputFile: source,
      durationSeconds,
      signal,
      onProgress: (fraction) => report('source', fraction),
    });
    const keys = options.protection
      ? await issueTitleKeys({ titleId, tiers: tiersForLadder(ladder), scheme: options.protection.scheme, kek: options.protection.kek })
      : undefined;
    const packaged = await packageVod({
      ...(options.protection && keys && { protection: { scheme: options.protection.scheme, cpix: keys.cpix } }),
      ffmpegPath: tools.ffmpeg.path,
      ffprobePath: tools.ffprobe.path,
      inputFile: source,
      outputDir: build.outputDir,
      ladder,
      segmentSeconds,
      signal,
      onProgress: (fraction) => report('package', fraction),
    });
    report('publish', 0);
    const record = titleRecordFrom(titleId, 'Demo: test pattern with a running clock', packaged, new Date(), keys ? { wrappedKeys: keys.wrapped } : {});
    await writeFile(join(build.outputDir, TITLE_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    signal?.throwIfAborted();
    await publishTitleBuild(layout, build);
    report('publish', 1);
    logger.info({ titleId, elapsedMs: Date.now() - started, renditions: record.renditions.length }, 'sample title published');
    return 'created';
  } catch (error) {
    await discardTitleBuild(build);
    throw error;
  }
}
