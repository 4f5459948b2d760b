import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { makeTestSource } from '../../origin/src/media/make-test-source.ts';
import { startOrigin, type RunningOrigin } from '../../origin/src/start-origin.ts';
import { repoRoot } from '../lib/repo-root.ts';

const run = promisify(execFile);
const TOKEN = `cli-test-token-${randomBytes(8).toString('hex')}`;
let root: string;
let origin: RunningOrigin;
let source: string;

const ingest = (...args: string[]) =>
  run(process.execPath, [join(repoRoot, 'scripts', 'ingest.ts'), ...args], { cwd: repoRoot, env: { ...process.env, ORIGIN_API_TOKEN: TOKEN } });
type Failure = { code: number; stderr: string; stdout: string };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ingest-cli-'));
  const config = loadConfig({ ...process.env, ORIGIN_PORT: '0', ORIGIN_DATA_DIR: join(root, 'data'), ORIGIN_API_TOKENS: TOKEN, ORIGIN_WORKERS: '1', ORIGIN_SEGMENT_SECONDS: '2', ORIGIN_LIVE_DEMO: 'off' });
  origin = await startOrigin(config, { logger: createLogger('origin', 'silent'), prepareSample: async () => {} });
  source = join(root, 'clip.mp4');
  await makeTestSource({ ffmpegPath: resolveFfmpegPaths(config).ffmpeg.path, outputFile: source, durationSeconds: 2, width: 320, height: 240 });
});

afterAll(async () => {
  await origin?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('npm run ingest', () => {
  it('uploads a file, shows progress on stderr and prints the ready job on stdout', async () => {
    const { stdout, stderr } = await ingest(source, '--title', 'cli-clip', '--name', 'CLI clip', '--origin', origin.url);
    const job = JSON.parse(stdout) as { state: string; titleId: string; links: { hls: string } };
    expect(job).toMatchObject({ state: 'ready', titleId: 'cli-clip', links: { hls: '/vod/cli-clip/master.m3u8' } });
    expect(stderr).toMatch(/ingest: upload .* of /);
    expect(stderr).toMatch(/ingest: cli-clip is ready/);
    expect((await fetch(`${origin.url}/vod/cli-clip/master.m3u8`)).status).toBe(200);
  });

  it('uploads resumably over tus with --resumable', async () => {
    const { stdout } = await ingest(source, '--title', 'cli-resumable', '--resumable', '--origin', origin.url);
    expect(JSON.parse(stdout)).toMatchObject({ state: 'ready', titleId: 'cli-resumable' });
  });

  it('exits 1 with the job error when the origin refuses the source', async () => {
    const text = join(root, 'not-video.mp4');
    await writeFile(text, 'hello, I am text\n');
    const error = await ingest(text, '--title', 'cli-text', '--origin', origin.url).then(() => undefined, (e: Failure) => e);
    expect(error?.code).toBe(1);
    expect(error?.stderr).toMatch(/failed: source-unreadable: the source is not a readable media file/);
  });

  it('exits 1 naming the problem when the title is taken or the token is wrong', async () => {
    const taken = await ingest(source, '--title', 'cli-clip', '--origin', origin.url).then(() => undefined, (e: Failure) => e);
    expect(taken?.code).toBe(1);
    expect(taken?.stderr).toMatch(/409: title-exists/);
    const wrong = await ingest(source, '--title', 'cli-other', '--origin', origin.url, '--token', 'wrong-token-wrong-token').then(() => undefined, (e: Failure) => e);
    expect(wrong?.stderr).toMatch(/401: token-invalid/);
  });

  it.each([
    [['--title', 'x'], /give exactly one FILE/],
    [['FILE-DOES-NOT-EXIST', '--title', 'x'], /cannot read/],
    [['package.json', '--title', '../up'], /--title is required/],
    [['package.json', '--title', 'x', '--origin', 'file:///etc'], /--origin must be an http\(s\) URL/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const error = await ingest(...args).then(() => undefined, (e: Failure) => e);
    expect(error?.code).toBe(2);
    expect(error?.stderr).toMatch(message);
  });
});
