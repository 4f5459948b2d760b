import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProblemError, PROBLEM_CONTENT_TYPE } from '@cascade/common';
import { createLogger, createMetricsRegistry, type Logger } from '@cascade/common/node';
import { getRequestListener } from '@hono/node-server';
import { Gauge } from 'prom-client';
import { createOriginApp } from './app.ts';
import { Catalogue } from './catalogue/catalogue.ts';
import { RightsStore } from './catalogue/rights-store.ts';
import { ORIGIN_DEFAULTS, type OriginConfig } from './config.ts';
import { binaryVersion, resolveFfmpegPaths, type FfmpegPaths } from './ffmpeg-path.ts';
import { createHttpMetrics, routeLabel } from './http/http-metrics.ts';
import { problemResponse } from './http/problem-response.ts';
import { Readiness } from './readiness.ts';
import { ensureSampleTitle, type SampleProgress } from './sample/ensure-sample-title.ts';
import { ensureSlateTitle } from './sample/ensure-slate-title.ts';
import { dataLayout, type DataLayout } from './storage/data-layout.ts';
import { removeBuildLeftovers } from './storage/title-build.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { TusUploads } from './ingest/tus-uploads.ts';
import { runJob } from './jobs/run-job.ts';
import type { JobState } from './jobs/job.ts';
import { SqliteJobStore } from './jobs/sqlite-job-store.ts';
import { WorkerPool } from './jobs/worker-pool.ts';
import type { Ladder } from './media/ladder.ts';
import { ChannelManager } from './live/channel-manager.ts';
import { ChannelStore } from './live/channel-store.ts';
import { ffmpegInputProtocols } from './live/ffmpeg-protocols.ts';
import { findClockFont } from './live/find-clock-font.ts';

export interface PrepareSampleContext {
  layout: DataLayout;
  tools: FfmpegPaths;
  signal: AbortSignal;
  onProgress: (progress: SampleProgress) => void;
}

export interface StartOriginOptions {
  logger?: Logger;
  /**
   * How the sample content is made; defaults to ensureSampleTitle with the configured title and
   * duration. Tests replace it to drive the readiness state machine without ffmpeg or timing.
   */
  prepareSample?: (context: PrepareSampleContext) => Promise<unknown>;
  /** The ladder for ingested titles; default DEFAULT_LADDER (tests and the benchmark choose their own). */
  ladder?: Ladder;
  /** Live runner timings (tests shorten the restart backoff and the stall limit). */
  liveRunner?: { restartDelayMs?: { min: number; max: number }; stallMs?: number; inputProbeIntervalMs?: number };
}

export interface RunningOrigin {
  url: string;
  port: number;
  readiness: Readiness;
  /** The ingest job queue and worker pool (tests look inside). */
  jobs: { queue: SqliteJobStore; pool: WorkerPool };
  /** Live channels (tests look inside: kill an encoder, read health). */
  channels: ChannelManager;
  /** Settles when the sample content is published (or rejects when it could not be made). */
  ready: Promise<void>;
  /** Stop accepting requests, kill a running ffmpeg, and resolve once everything is closed. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 5000;

/** Start the origin: HTTP first (so /healthz can report progress), then the sample content in the background. */
export async function startOrigin(config: OriginConfig, options: StartOriginOptions = {}): Promise<RunningOrigin> {
  const logger = options.logger ?? createLogger('origin');
  const layout = dataLayout(config.dataDir);
  await mkdir(layout.vodDir, { recursive: true });
  const leftovers = await removeBuildLeftovers(layout);
  if (leftovers.length > 0) logger.warn({ leftovers }, 'removed unfinished builds left by an earlier run');

  const tools = resolveFfmpegPaths(config);
  for (const tool of [tools.ffmpeg, tools.ffprobe]) {
    logger.info({ path: tool.path, source: tool.source, version: await binaryVersion(tool.path) }, 'media tool');
  }

  const readiness = new Readiness();
  const registry = createMetricsRegistry('origin');
  const metrics = createHttpMetrics(registry);
  new Gauge({
    name: 'origin_ready',
    help: '1 once the sample content is published, else 0',
    registers: [registry],
    collect() {
      this.set(readiness.state.status === 'ready' ? 1 : 0);
    },
  });
  const catalogue = new Catalogue(layout);

  await mkdir(layout.ingestDir, { recursive: true });
  await mkdir(layout.uploadsDir, { recursive: true });
  const queue = new SqliteJobStore(layout.jobsDb);
  const pool = new WorkerPool({
    queue,
    concurrency: config.ingest.workers,
    maxAttempts: config.ingest.maxAttempts,
    logger,
    run: (job, signal) => runJob(job, { queue, layout, tools, ingest: config.ingest, logger, ...(config.contentKek ? { contentKek: config.contentKek } : {}), ...(options.ladder ? { ladder: options.ladder } : {}) }, signal),
  });
  const ingest = new IngestService({ queue, pool, layout, ingest: config.ingest, logger, canEncrypt: config.contentKek !== undefined });
  const tus = new TusUploads({ directory: layout.uploadsDir, maxBytes: config.ingest.maxUploadBytes, ingest, logger });
  const JOB_STATES: JobState[] = ['uploading', 'queued', 'probing', 'transcoding', 'packaging', 'ready', 'failed'];
  new Gauge({
    name: 'origin_jobs',
    help: 'Ingest jobs by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = queue.counts();
      for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: 'origin_jobs_running',
    help: 'Ingest jobs running in this process now',
    registers: [registry],
    collect() {
      this.set(pool.runningCount);
    },
  });
  const rights = new RightsStore(config.dataDir);
  await mkdir(layout.liveDir, { recursive: true });
  const channelStore = new ChannelStore(layout.liveDb);
  const fontFile = findClockFont();
  const channels = new ChannelManager({
    store: channelStore,
    liveDir: layout.liveDir,
    tools,
    fontFile,
    logger,
    policy: {
      protocols: await ffmpegInputProtocols(tools.ffmpeg.path),
      defaults: { ladder: config.live.ladder, segmentSeconds: config.live.segmentSeconds, dvrWindowSeconds: config.live.dvrWindowSeconds, lowLatency: config.live.lowLatency },
    },
    ingestDirs: config.ingest.ingestDirs,
    titleExists: async (id) => (await catalogue.get(id)) !== undefined,
    layout,
    ...(options.liveRunner && { runner: options.liveRunner }),
  });
  if (fontFile === undefined) logger.warn('no TrueType font found: synthetic live channels show a run counter instead of the wall clock');
  new Gauge({
    name: 'origin_live_channels',
    help: 'Live channels by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const channel of channels.list()) this.inc({ state: channel.health.state });
    },
  });
  const app = createOriginApp({ layout, catalogue, rights, readiness, logger, registry, metrics, ingest, tus, channels, apiTokens: config.apiTokens });

  // @hono/node-server refuses some request targets (a backslash in the path, a bad Host) before the
  // app runs, and calls errorHandler synchronously while it is still inside the listener call; the
  // request being handled is remembered for exactly that window so the answer can be logged and counted.
  let current: IncomingMessage | undefined;
  const listener = getRequestListener(app.fetch, {
    errorHandler: (error) => {
      const path = (current?.url ?? '').split('?')[0] ?? '';
      const problem = new ProblemError('bad-path', `the request target cannot be parsed: ${(error as Error).message}`);
      metrics.observe(routeLabel(path), problem.status, 0);
      logger.info({ method: current?.method, path: path.slice(0, 256), status: problem.status, reason: (error as Error).message }, 'request');
      return problemResponse(problem, path.slice(0, 256), logger);
    },
  });
  const server = createServer((incoming, outgoing) => {
    current = incoming;
    try {
      void listener(incoming, outgoing);
    } finally {
      current = undefined;
    }
  });
  // Requests Node's HTTP parser rejects (NUL or other bytes not allowed in a request line) never
  // reach the app; answer them as problem+json too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(new ProblemError('bad-request', 'The request could not be parsed as HTTP').toBody());
    metrics.observe('other', 400, 0);
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, dataDir: config.dataDir }, 'origin listening');

  // Jobs a killed or stopped process left behind go back in the queue (or fail with the reason), then run.
  pool.recover();
  pool.pump();

  // Live channels go back on air, numbering on from where they stopped; the sample channel is made
  // on first start (ORIGIN_LIVE_DEMO chooses its ladder, or off).
  await channels.resume();
  if (config.live.demo !== 'off') await channels.ensureDemo(ORIGIN_DEFAULTS.liveDemoId, config.live.demo);

  const abort = new AbortController();
  const prepareSample =
    options.prepareSample ??
    (async (context: PrepareSampleContext) => {
      await ensureSampleTitle({
        layout: context.layout,
        titleId: config.sample.titleId,
        durationSeconds: config.sample.durationSeconds,
        tools: context.tools,
        logger,
        signal: context.signal,
        onProgress: context.onProgress,
        ...(config.sample.encryption !== 'none' && config.contentKek && { protection: { scheme: config.sample.encryption, kek: config.contentKek } }),
      });
      // The blackout slate (a few seconds, one rendition) the edge serves during live blackouts.
      await ensureSlateTitle({ layout: context.layout, tools: context.tools, logger, signal: context.signal });
    });
  const ready = (async () => {
    try {
      await prepareSample({
        layout,
        tools,
        signal: abort.signal,
        onProgress: (progress) => readiness.progress(progress.stage, progress.percent),
      });
      readiness.ready();
      logger.info({ titleId: config.sample.titleId }, 'origin ready');
    } catch (error) {
      readiness.failed((error as Error).message);
      throw error;
    }
  })();
  // The caller decides what a failure means (main.ts exits); without a listener it must not crash the process.
  ready.catch(() => {});

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      abort.abort();
      const jobsStopped = pool.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(force);
      await ready.catch(() => {}); // let an aborted build remove its directory
      await jobsStopped;
      await channels.close();
      channelStore.close();
      queue.close();
      logger.info('origin stopped');
    })();
    return closing;
  };

  return { url, port, readiness, jobs: { queue, pool }, channels, ready, close };
}
