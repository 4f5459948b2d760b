import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from './support/test-config.ts';
import { startOrigin, type RunningOrigin, type StartOriginOptions } from '../src/start-origin.ts';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(prepareSample: StartOriginOptions['prepareSample']): Promise<{ origin: RunningOrigin; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'origin-readiness-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const origin = await startOrigin(testConfig({ ORIGIN_PORT: '0', ORIGIN_DATA_DIR: dataDir }), {
    logger: createLogger('origin', 'silent'),
    prepareSample,
  });
  cleanups.push(() => origin.close());
  return { origin, dataDir };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('/healthz follows the sample preparation', () => {
  it('answers 503 not-ready with the progress while the sample is made, then 200 once it is published', async () => {
    const gate = deferred();
    const { origin } = await start(async ({ onProgress }) => {
      onProgress({ stage: 'package', percent: 42.5 });
      await gate.promise;
    });
    const during = await fetch(`${origin.url}/healthz`);
    expect(during.status).toBe(503);
    expect(during.headers.get('content-type')).toBe('application/problem+json');
    expect(await during.json()).toMatchObject({ code: 'not-ready', status: 503, stage: 'package', progress: 42.5 });

    gate.resolve();
    await origin.ready;
    const after = await fetch(`${origin.url}/healthz`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ok' });
  });

  it('stays 503 with the reason and rejects `ready` when the sample cannot be made', async () => {
    const { origin } = await start(async () => {
      throw new Error('ffmpeg exited with code 1: bad.mp4: Invalid data found when processing input');
    });
    await expect(origin.ready).rejects.toThrow(/Invalid data found/);
    const response = await fetch(`${origin.url}/healthz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; detail: string; stage: string };
    expect(body.code).toBe('not-ready');
    expect(body.stage).toBe('failed');
    expect(body.detail).toMatch(/Invalid data found/);
  });

  it('aborts the preparation when the origin is closed', async () => {
    let seen: AbortSignal | undefined;
    const { origin } = await start(({ signal }) => {
      seen = signal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    await origin.close();
    expect(seen?.aborted).toBe(true);
    await expect(origin.ready).rejects.toThrow('aborted');
  });

  it('removes unfinished builds left by a crashed run before making the sample again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'origin-leftovers-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const leftover = join(dataDir, 'tmp', 'demo-crashed', 'title');
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, 'seg-0-00001.m4s'), 'half a segment');
    let vodAtPrepare: string[] = [];
    const origin = await startOrigin(testConfig({ ORIGIN_PORT: '0', ORIGIN_DATA_DIR: dataDir }), {
      logger: createLogger('origin', 'silent'),
      prepareSample: async () => {
        vodAtPrepare = await readdir(join(dataDir, 'vod'));
      },
    });
    cleanups.push(() => origin.close());
    await origin.ready;
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
    expect(vodAtPrepare).toEqual([]);
    expect((await fetch(`${origin.url}/vod/demo/master.m3u8`)).status).toBe(404);
  });
});
