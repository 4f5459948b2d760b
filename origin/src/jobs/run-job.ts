import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProblemError } from '@cascade/common';
import type { Logger } from '@cascade/common/node';
import { TITLE_RECORD_FILE, titleRecordFrom, type TitleRecord } from '../catalogue/title-record.ts';
import type { IngestConfig } from '../config.ts';
import type { FfmpegPaths } from '../ffmpeg-path.ts';
import { fetchSource, parseSourceUrl } from '../ingest/fetch-source.ts';
import { probeSource } from '../ingest/probe-source.ts';
import { audioRenditionId, packageVod } from '../media/package-vod.ts';
import type { KeyEncryptionKey } from '@cascade/licensing/protection';
import { issueTitleKeys } from '../keys/title-key-service.ts';
import { tiersForLadder } from '../keys/tiers-for-ladder.ts';
import { DEFAULT_LADDER, ladderForSource, outputFrameRate, type Ladder } from '../media/ladder.ts';
import { FfmpegError } from '../media/run-ffmpeg.ts';
import { makeThumbnails } from '../media/make-thumbnails.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { createTitleBuild, discardTitleBuild } from '../storage/title-build.ts';
import { LocalTitleStore, type TitleStore } from '../storage/title-store.ts';
import type { Job } from './job.ts';
import type { JobQueue } from './job-queue.ts';

export interface RunJobDeps {
  queue: JobQueue;
  layout: DataLayout;
  tools: FfmpegPaths;
  ingest: IngestConfig;
  logger: Logger;
  ladder?: Ladder;
  /** Where titles are published; default the local data dir. */
  titles?: TitleStore;
  /** The key-encryption key encrypted titles' keys are wrapped under (jobs asking for encryption need it). */
  contentKek?: KeyEncryptionKey;
}

/** Why a running job was stopped: an operator's cancel fails it; a shutdown leaves it to be resumed. */
export type StopReason = 'cancel' | 'shutdown';

const PROGRESS_WRITE_MS = 1000;

async function publishedRecord(layout: DataLayout, titleId: string): Promise<TitleRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(layout.titleDir(titleId), TITLE_RECORD_FILE), 'utf8')) as TitleRecord;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run one claimed job to its end: fetch (URL sources), probe and refuse what cannot be a title,
 * transcode and package the ladder into a private build directory, write the title record, publish
 * by one rename. Idempotent: a job restarted after its title was already published just finishes.
 * On a shutdown the job's state is left as it is, and the next start puts it back in the queue.
 */
export async function runJob(job: Job, deps: RunJobDeps, signal: AbortSignal): Promise<void> {
  const { queue, layout, tools, ingest, logger } = deps;
  const log = logger.child({ jobId: job.id, titleId: job.titleId });
  const already = await publishedRecord(layout, job.titleId);
  if (already !== undefined) {
    if (already.sourceJobId === job.id) {
      log.info('title was published before the restart; finishing the job');
      queue.finish(job.id);
      await cleanUp(job, layout);
      return;
    }
    queue.fail(job.id, 'title-exists', `title ${JSON.stringify(job.titleId)} is already published`);
    await cleanUp(job, layout);
    return;
  }

  let build: Awaited<ReturnType<typeof createTitleBuild>> | undefined;
  try {
    const source = job.source;
    if (source.kind === 'url' && !(await exists(source.file))) {
      await mkdir(layout.jobDir(job.id), { recursive: true });
      await fetchSource(parseSourceUrl(source.url), `${source.file}.part`, { maxBytes: ingest.maxUploadBytes, signal });
      await rename(`${source.file}.part`, source.file);
    }
    const probe = await probeSource(tools.ffprobe.path, source.file, { maxDimension: ingest.maxSourceDimension, maxSeconds: ingest.maxSourceSeconds });
    queue.setProbe(job.id, probe);
    signal.throwIfAborted();

    const ladder = ladderForSource(deps.ladder ?? DEFAULT_LADDER, probe.video);
    const audioTracks = ladder.audio === undefined ? [] : probe.audioTracks.map((t) => ({ index: t.index, ...(t.language ? { language: t.language } : {}) }));
    const renditionIds = [...ladder.video.map((r) => r.id), ...audioTracks.map((_, i) => audioRenditionId(ladder.audio!.id, audioTracks, i))];
    const progress = (fraction: number, etaSeconds: number | undefined) => {
      const percent = Math.round(fraction * 1000) / 10;
      queue.setProgress(job.id, { percent, renditions: renditionIds.map((id) => ({ id, percent })), etaSeconds });
    };
    progress(0, undefined);
    queue.setState(job.id, 'transcoding');
    log.info({ renditions: renditionIds, source: { ...probe.video, durationSeconds: probe.durationSeconds } }, 'transcoding');

    build = await createTitleBuild(layout, job.titleId);
    const encryption = job.encryption;
    if (encryption !== 'none' && !deps.contentKek) throw new ProblemError('job-failed', `encryption ${encryption} needs CONTENT_KEK on the origin`);
    const keys = encryption !== 'none' && deps.contentKek
      ? await issueTitleKeys({ titleId: job.titleId, tiers: tiersForLadder(ladder), scheme: encryption, kek: deps.contentKek })
      : undefined;
    const started = Date.now();
    let lastWrite = 0;
    const packaged = await packageVod({
      ffmpegPath: tools.ffmpeg.path,
      ffprobePath: tools.ffprobe.path,
      inputFile: source.file,
      outputDir: build.outputDir,
      ladder,
      segmentSeconds: job.segmentSeconds ?? ingest.segmentSeconds,
      probe,
      ...(encryption !== 'none' && keys && { protection: { scheme: encryption, cpix: keys.cpix } }),
      audioTracks,
      subtitleTracks: probe.subtitleTracks,
      constantFrameRate: outputFrameRate(probe.video),
      signal,
      timeoutMs: ingest.ffmpegTimeoutMs,
      memoryLimitBytes: ingest.ffmpegMemoryBytes,
      onProgress: (fraction) => {
        const now = Date.now();
        if (now - lastWrite < PROGRESS_WRITE_MS || fraction <= 0 || fraction >= 1) return;
        lastWrite = now;
        const elapsed = (now - started) / 1000;
        progress(fraction * 0.95, Math.round((elapsed * (1 - fraction)) / fraction));
      },
    });

    queue.setState(job.id, 'packaging');
    progress(0.95, 1);
    const smallest = packaged.renditions.filter((r) => r.type === 'video').sort((a, b) => (a.height ?? 0) - (b.height ?? 0))[0]!;
    // Thumbnails come from the smallest rendition: ffmpeg decrypts cenc with its key; this ffmpeg cannot
    // read cbcs, and AES-128 segments are not MP4 until decrypted whole.
    const smallestKey = keys && packaged.protection?.renditions.find((r) => r.renditionId === smallest.id);
    const decryptionKey = smallestKey && deps.contentKek ? (await deps.contentKek.unwrap(keys!.wrapped.find((k) => k.kid === smallestKey.kid)!)).key : undefined;
    const thumbnails = encryption === 'cbcs' || encryption === 'aes-128' ? undefined : await makeThumbnails({
      ...(decryptionKey && { decryptionKey }),
      ffmpegPath: tools.ffmpeg.path,
      inputFiles: [smallest.initSegment, ...smallest.segments.map((s) => s.uri)].map((name) => join(build!.outputDir, name)),
      outputDir: build.outputDir,
      durationSeconds: packaged.durationSeconds,
      intervalSeconds: job.segmentSeconds ?? ingest.segmentSeconds,
      displayWidth: smallest.width ?? probe.video.width,
      displayHeight: smallest.height ?? probe.video.height,
      signal,
      timeoutMs: ingest.ffmpegTimeoutMs,
    });
    const record = titleRecordFrom(job.titleId, job.titleName, packaged, new Date(), { sourceJobId: job.id, ...(thumbnails && { thumbnails }), ...(keys && { wrappedKeys: keys.wrapped }) });
    await writeFile(join(build.outputDir, TITLE_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
    signal.throwIfAborted();
    try {
      await (deps.titles ?? new LocalTitleStore(layout)).publish(build);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ProblemError('title-exists', `title ${JSON.stringify(job.titleId)} was published by someone else meanwhile`);
      throw error;
    }
    build = undefined;
    queue.finish(job.id);
    log.info({ elapsedMs: Date.now() - started, renditions: record.renditions.length }, 'title published');
    await cleanUp(job, layout);
  } catch (error) {
    if (build) await discardTitleBuild(build);
    if (signal.aborted && signal.reason === 'shutdown') {
      log.info('stopped by shutdown; the job resumes at the next start');
      return;
    }
    if (signal.aborted) {
      queue.fail(job.id, 'job-cancelled', 'cancelled by an operator');
    } else if (error instanceof ProblemError) {
      queue.fail(job.id, error.code, error.message);
    } else if (error instanceof FfmpegError) {
      queue.fail(job.id, 'job-failed', error.message);
    } else {
      log.error({ err: error }, 'job failed unexpectedly');
      queue.fail(job.id, 'job-failed', (error as Error).message);
    }
    log.info({ error: queue.get(job.id)?.error }, 'job failed');
    await cleanUp(job, layout);
  }
}

/** Sources the origin received (uploads, downloads) go with the job; an operator's own file is left alone. */
export async function cleanUp(job: Job, layout: DataLayout): Promise<void> {
  await rm(layout.jobDir(job.id), { recursive: true, force: true });
}
