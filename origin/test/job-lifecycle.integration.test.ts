import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TitleRecord } from '../src/catalogue/title-record.ts';
import type { OriginConfig } from '../src/config.ts';
import { resolveFfmpegPaths, type FfmpegPaths } from '../src/ffmpeg-path.ts';
import { SqliteJobStore } from '../src/jobs/sqlite-job-store.ts';
import { WorkerPool } from '../src/jobs/worker-pool.ts';
import { makeTestSource } from '../src/media/make-test-source.ts';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { makeMedia } from './support/make-media.ts';
import { OriginApi, type JobBody } from './support/origin-api.ts';
import { testConfig } from './support/test-config.ts';

const TOKEN = `test-origin-token-${randomBytes(8).toString('hex')}`;
const silent = createLogger('origin', 'silent');
let root: string;
let dataDir: string;
let config: OriginConfig;
let tools: FfmpegPaths;
let longSource: string;
const running: RunningOrigin[] = [];

async function start(): Promise<{ origin: RunningOrigin; api: OriginApi }> {
  const origin = await startOrigin(config, { logger: silent, prepareSample: async () => {} });
  running.push(origin);
  return { origin, api: new OriginApi(origin.url, TOKEN) };
}

const transcodingUnderway = (job: JobBody) => job.state === 'failed' || job.state === 'ready' || (job.state === 'transcoding' && job.progress.percent > 0);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'origin-jobs-'));
  dataDir = join(root, 'data');
  await mkdir(join(root, 'media'));
  config = testConfig({ ORIGIN_PORT: '0', ORIGIN_DATA_DIR: dataDir, ORIGIN_API_TOKENS: TOKEN, ORIGIN_WORKERS: '1', ORIGIN_SEGMENT_SECONDS: '2' });
  tools = resolveFfmpegPaths(config);
  // Long enough that the transcode is still running when the test stops the origin.
  longSource = join(root, 'media', 'long.mp4');
  await makeTestSource({ ffmpegPath: tools.ffmpeg.path, outputFile: longSource, durationSeconds: 30, width: 640, height: 360 });
});

afterAll(async () => {
  for (const origin of running) await origin.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a restart of the origin mid-transcode', () => {
  it('resumes the job from the database, publishes the title once, and counts the attempt', async () => {
    const first = await start();
    const accepted = (await (await first.api.upload('restarted', await readFile(longSource))).json()) as JobBody;
    const underway = await first.api.waitFor(accepted.id, transcodingUnderway);
    expect(underway.state).toBe('transcoding');
    await first.origin.close();

    // What the stopped process left: the job still marked transcoding, its source kept, nothing published.
    const store = new SqliteJobStore(join(dataDir, 'jobs.sqlite'));
    expect(store.get(accepted.id)?.state).toBe('transcoding');
    store.close();
    expect(await readdir(join(dataDir, 'ingest'))).toEqual([accepted.id]);
    expect(await readdir(join(dataDir, 'vod'))).toEqual([]);
    // A crash also leaves a half-made build behind; the next start must clear it.
    await mkdir(join(dataDir, 'tmp', 'restarted-crashed'), { recursive: true });
    await writeFile(join(dataDir, 'tmp', 'restarted-crashed', 'seg-0-00001.m4s'), 'half');

    const second = await start();
    const done = await second.api.waitFor(accepted.id);
    expect(done.error).toBeNull();
    expect(done.state).toBe('ready');
    expect(done.attempts).toBe(2);
    const title = (await (await fetch(`${second.origin.url}/api/v1/titles/restarted`)).json()) as TitleRecord;
    expect(title.sourceJobId).toBe(accepted.id);
    expect(title.durationSeconds).toBeCloseTo(30, 0);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    await second.origin.close();
  }, 120_000);

  it('finishes a job whose title was published just before the process stopped, without making it again', async () => {
    const store = new SqliteJobStore(join(dataDir, 'jobs.sqlite'));
    const job = store.list(['ready']).find((j) => j.titleId === 'restarted')!;
    store.setState(job.id, 'packaging');
    store.close();
    const before = (await readFile(join(dataDir, 'vod', 'restarted', 'title.json'), 'utf8'));
    const third = await start();
    const done = await third.api.waitFor(job.id);
    expect(done.state).toBe('ready');
    expect(done.attempts).toBe(3);
    expect(await readFile(join(dataDir, 'vod', 'restarted', 'title.json'), 'utf8')).toBe(before);
    await third.origin.close();
  });

  it('fails a job for good once it has been interrupted ORIGIN_JOB_MAX_ATTEMPTS times', () => {
    const store = new SqliteJobStore(join(root, 'attempts.sqlite'));
    try {
      store.add({ id: 'j1', titleId: 'crashy', titleName: 'crashy', source: { kind: 'path', file: '/nowhere' }, state: 'queued' });
      const pool = new WorkerPool({ queue: store, concurrency: 1, maxAttempts: 2, logger: silent, run: async () => {} });
      for (let i = 0; i < 2; i++) {
        expect(store.claim()?.id).toBe('j1'); // a worker starts it, then the process dies
        pool.recover();
      }
      expect(store.get('j1')).toMatchObject({ state: 'failed', attempts: 2, error: { code: 'job-failed' } });
      expect(store.get('j1')?.error?.reason).toMatch(/interrupted 2 times/);
    } finally {
      store.close();
    }
  });
});

describe('cancelling and the worker pool', () => {
  it('cancels a running job: it fails with job-cancelled, its build is removed, and the next queued job runs', async () => {
    const { origin, api } = await start();
    const long = (await (await api.upload('cancelled', await readFile(longSource))).json()) as JobBody;
    // One worker: the short job waits in the queue behind the long one.
    const short = (await (await api.upload('after-cancel', await readFile(await makeMedia(tools.ffmpeg.path, join(root, 'media', 'short.mp4'), { seconds: 1 })))).json()) as JobBody;
    await api.waitFor(long.id, transcodingUnderway);
    expect((await api.job(short.id)).state).toBe('queued');
    const response = await fetch(`${origin.url}/api/v1/videos/${long.id}`, { method: 'DELETE', headers: api.headers() });
    expect(response.status).toBe(202);
    const cancelled = await api.waitFor(long.id);
    expect(cancelled).toMatchObject({ state: 'failed', error: { code: 'job-cancelled' } });
    expect((await api.waitFor(short.id)).state).toBe('ready');
    expect(await readdir(join(dataDir, 'vod'))).not.toContain('cancelled');
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    const again = await fetch(`${origin.url}/api/v1/videos/${long.id}`, { method: 'DELETE', headers: api.headers() });
    expect(again.status).toBe(400);
  }, 120_000);
});
