import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './support/test-config.ts';
import { resolveFfmpegPaths, type FfmpegPaths } from '../src/ffmpeg-path.ts';
import { SAMPLE_LADDER } from '../src/media/ladder.ts';
import { packageVod } from '../src/media/package-vod.ts';
import { FfmpegError, runFfmpeg } from '../src/media/run-ffmpeg.ts';
import { ensureSampleTitle } from '../src/sample/ensure-sample-title.ts';
import { dataLayout } from '../src/storage/data-layout.ts';

let tools: FfmpegPaths;
let dir: string;
let notMedia: string;
const endless = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'null', '-'];

beforeAll(async () => {
  tools = resolveFfmpegPaths(testConfig({}));
  dir = await mkdtemp(join(tmpdir(), 'origin-ffmpeg-failure-'));
  notMedia = join(dir, 'upload.mp4');
  await writeFile(notMedia, 'this is a text file, not an MP4\n');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ffmpeg failures are reported with ffmpeg’s own reason', () => {
  it('rejects a run on a file that is not media with the demuxer’s reason', async () => {
    const error = await runFfmpeg({ ffmpegPath: tools.ffmpeg.path, args: ['-i', notMedia, '-f', 'null', '-'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).failure).toBe('exit');
    expect((error as FfmpegError).exitCode).not.toBe(0);
    expect((error as FfmpegError).message).toMatch(/ffmpeg exited with code \d+: .*Invalid data found when processing input/);
  });

  it('rejects a run on a missing file naming the file', async () => {
    const missing = join(dir, 'missing.mp4');
    const error = await runFfmpeg({ ffmpegPath: tools.ffmpeg.path, args: ['-i', missing, '-f', 'null', '-'] }).catch((e: unknown) => e);
    // ffmpeg 4-6 print "<file>: No such file or directory"; 7 splits it over "Error opening input" lines.
    expect((error as FfmpegError).message).toContain(missing);
    expect((error as FfmpegError).message).toContain('No such file or directory');
  });

  it('rejects when the binary cannot be started', async () => {
    const error = await runFfmpeg({ ffmpegPath: join(dir, 'no-ffmpeg-here'), args: ['-version'] }).catch((e: unknown) => e);
    expect((error as FfmpegError).failure).toBe('spawn');
  });

  it('kills ffmpeg when aborted', async () => {
    const abort = new AbortController();
    const run = runFfmpeg({ ffmpegPath: tools.ffmpeg.path, args: endless, signal: abort.signal, onProgress: () => abort.abort() });
    const error = await run.catch((e: unknown) => e);
    expect((error as FfmpegError).failure).toBe('aborted');
  });

  it('kills ffmpeg when it runs past its timeout', async () => {
    const error = await runFfmpeg({ ffmpegPath: tools.ffmpeg.path, args: endless, timeoutMs: 300 }).catch((e: unknown) => e);
    expect((error as FfmpegError).failure).toBe('timeout');
    expect((error as FfmpegError).message).toMatch(/timed out/);
  });

  it('refuses to package an input that is not media, writing nothing', async () => {
    const out = join(dir, 'package-out');
    await mkdir(out);
    await expect(
      packageVod({ ffmpegPath: tools.ffmpeg.path, ffprobePath: tools.ffprobe.path, inputFile: notMedia, outputDir: out, ladder: SAMPLE_LADDER, segmentSeconds: 4 }),
    ).rejects.toThrow(/Invalid data found when processing input/);
    expect(await readdir(out)).toEqual([]);
  });

  it('publishes nothing and removes its build when a transcode fails half-way', async () => {
    const layout = dataLayout(join(dir, 'data'));
    const broken = { ...SAMPLE_LADDER, x264Preset: 'no-such-preset' };
    const error = await ensureSampleTitle({
      layout,
      titleId: 'demo',
      durationSeconds: 4,
      tools,
      logger: createLogger('origin', 'silent'),
      ladder: broken,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).reason).toMatch(/no-such-preset/);
    expect(await readdir(layout.vodDir)).toEqual([]);
    expect(await readdir(layout.tmpDir)).toEqual([]);
  });
});

describe('runFfmpeg: resource limits', () => {
  it('kills an ffmpeg whose resident memory passes memoryLimitBytes and says so', async () => {
    const tools = resolveFfmpegPaths(testConfig({}));
    const run = runFfmpeg({
      ffmpegPath: tools.ffmpeg.path,
      memoryLimitBytes: 1024 * 1024,
      args: ['-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=25:duration=60', '-f', 'null', '-'],
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).failure).toBe('memory');
    expect((error as FfmpegError).message).toMatch(/more memory than allowed/);
  });

  it('kills an ffmpeg that runs past timeoutMs', async () => {
    const tools = resolveFfmpegPaths(testConfig({}));
    const error = await runFfmpeg({
      ffmpegPath: tools.ffmpeg.path,
      timeoutMs: 300,
      args: ['-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=60', '-f', 'null', '-'],
    }).catch((e: unknown) => e);
    expect((error as FfmpegError).failure).toBe('timeout');
  });
});
