import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../src/ffmpeg-path.ts';
import { ensureSlateTitle } from '../src/sample/ensure-slate-title.ts';
import { slateVideoGraph } from '../src/sample/slate-card.ts';
import { dataLayout } from '../src/storage/data-layout.ts';
import { testConfig } from './support/test-config.ts';

let dataDir: string;
const tools = resolveFfmpegPaths(testConfig({}));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'origin-slate-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the blackout slate title', () => {
  it('is made once: one 360p rendition plus silent audio, in 2-second segments, published atomically', async () => {
    const layout = dataLayout(dataDir);
    const logger = createLogger('origin', 'silent');
    expect(await ensureSlateTitle({ layout, tools, logger })).toBe('created');
    expect(await ensureSlateTitle({ layout, tools, logger })).toBe('existing');

    const dir = layout.titleDir('slate');
    const master = await readFile(join(dir, 'master.m3u8'), 'utf8');
    expect(master.match(/#EXT-X-STREAM-INF:/g)).toHaveLength(1);
    expect(master).toMatch(/RESOLUTION=640x360/);
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO/);
    const video = await readFile(join(dir, 'video-360p.m3u8'), 'utf8');
    const durations = [...video.matchAll(/#EXTINF:([0-9.]+),/g)].map((m) => Number(m[1]));
    expect(durations).toHaveLength(2);
    for (const duration of durations) expect(duration).toBeCloseTo(2, 1);
    const record = JSON.parse(await readFile(join(dir, 'title.json'), 'utf8')) as { id: string; kind: string };
    expect(record).toMatchObject({ id: 'slate', kind: 'vod' });
    expect(await readdir(layout.tmpDir)).toEqual([]);
  });

  it('falls back to a plain card when this ffmpeg has no drawtext', async () => {
    const fallback = await slateVideoGraph('/bin/false', 640, 360, 25, 4);
    expect(fallback).toEqual({ graph: 'color=c=0x1c2340:size=640x360:rate=25:duration=4', text: false });
  });
});
