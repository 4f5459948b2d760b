import { mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, startShield, type RunningShield } from '../src/index.ts';
import { FakeOrigin } from './fake-origin.ts';
import { baseEnv, bytesOf, request } from './shield-harness.ts';

const CACHEABLE = { 'cache-control': 'public, max-age=600' };

async function diskObjects(shield: RunningShield): Promise<number> {
  const text = (await request(shield.url, '/metrics')).body.toString();
  return Number(/shield_cache_objects\{tier="disk",service="shield"\} (\d+)/.exec(text)?.[1]);
}

/** Disk writes happen behind the answer; wait until the tier holds what the test expects. */
async function untilDiskHolds(shield: RunningShield, objects: number): Promise<void> {
  for (let i = 0; i < 100 && (await diskObjects(shield)) !== objects; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await diskObjects(shield)).toBe(objects);
}

describe('disk tier', () => {
  let dir: string;
  let origin: FakeOrigin;
  const shields: RunningShield[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const shield = await startShield(loadConfig({ ...baseEnv(origin.url), SHIELD_DISK_DIR: dir, ...env }), { logger: createLogger('shield', 'silent') });
    shields.push(shield);
    return shield;
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shield-disk-'));
    origin = await new FakeOrigin().start();
  });
  afterEach(async () => {
    for (const shield of shields.splice(0)) await shield.close();
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps cached objects across a restart: the new process answers from disk without the origin', async () => {
    const body = bytesOf(300_000, 5);
    origin.objects.set('/vod/demo/video-1080p-00001.m4s', { body, headers: { ...CACHEABLE, etag: '"v1"' } });
    const first = await start();
    await request(first.url, '/vod/demo/video-1080p-00001.m4s');
    await untilDiskHolds(first, 1);
    await first.close();

    const second = await start();
    const answer = await request(second.url, '/vod/demo/video-1080p-00001.m4s');

    expect(answer.status).toBe(200);
    expect(answer.headers['x-cache']).toBe('HIT');
    expect(answer.headers.etag).toBe('"v1"');
    expect(answer.body.equals(body)).toBe(true);
    expect(origin.count('/vod/demo/video-1080p-00001.m4s')).toBe(1);
  });

  it('promotes an object evicted from memory back from disk instead of refetching it', async () => {
    const shield = await start({ SHIELD_CACHE_BYTES: '100000' });
    for (const name of ['a', 'b', 'c']) origin.objects.set(`/vod/lru/${name}.m4s`, { body: bytesOf(40_000, name.charCodeAt(0)), headers: CACHEABLE });
    for (const name of ['a', 'b', 'c']) await request(shield.url, `/vod/lru/${name}.m4s`);
    await untilDiskHolds(shield, 3);

    const evicted = await request(shield.url, '/vod/lru/a.m4s');

    expect(evicted.headers['x-cache']).toBe('HIT');
    expect(evicted.body.equals(bytesOf(40_000, 'a'.charCodeAt(0)))).toBe(true);
    expect(origin.count('/vod/lru/a.m4s')).toBe(1);
  });

  it('drops a truncated file found at startup and refetches the object whole', async () => {
    const body = bytesOf(100_000, 8);
    origin.objects.set('/vod/demo/seg-2.m4s', { body, headers: CACHEABLE });
    const first = await start();
    await request(first.url, '/vod/demo/seg-2.m4s');
    await untilDiskHolds(first, 1);
    await first.close();
    const [file] = readdirSync(dir);
    truncateSync(join(dir, file!), 50_000);

    const second = await start();
    const answer = await request(second.url, '/vod/demo/seg-2.m4s');

    expect(answer.headers['x-cache']).toBe('MISS');
    expect(answer.body.equals(body)).toBe(true);
    expect(origin.count('/vod/demo/seg-2.m4s')).toBe(2);
  });

  it('stays within SHIELD_DISK_BYTES by evicting the least recently used files', async () => {
    const shield = await start({ SHIELD_DISK_BYTES: '100000' });
    for (const name of ['a', 'b', 'c']) origin.objects.set(`/vod/lru/${name}.m4s`, { body: bytesOf(40_000), headers: CACHEABLE });
    for (const name of ['a', 'b', 'c']) {
      await request(shield.url, `/vod/lru/${name}.m4s`);
      await untilDiskHolds(shield, name === 'c' ? 2 : name === 'b' ? 2 : 1);
    }

    // The index drops the evicted entry before its file is unlinked: wait for the unlink itself.
    const files = () => readdirSync(dir).filter((name) => !name.includes('.tmp-'));
    for (let i = 0; i < 100 && files().length !== 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(files()).toHaveLength(2);
  });
});
