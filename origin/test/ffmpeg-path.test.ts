import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryVersion, resolveFfmpegPaths } from '../src/ffmpeg-path.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'origin-ffmpeg-path-'));
  for (const name of ['ffmpeg', 'ffprobe']) {
    await writeFile(join(dir, name), '#!/bin/sh\necho "fake version 1"\n');
    await chmod(join(dir, name), 0o755);
  }
  await writeFile(join(dir, 'not-executable'), 'data');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('resolveFfmpegPaths', () => {
  it('prefers FFMPEG_PATH and FFPROBE_PATH', () => {
    const paths = resolveFfmpegPaths({ ffmpegPath: join(dir, 'ffmpeg'), ffprobePath: join(dir, 'ffprobe'), searchPath: '' });
    expect(paths.ffmpeg).toEqual({ path: join(dir, 'ffmpeg'), source: 'env' });
    expect(paths.ffprobe).toEqual({ path: join(dir, 'ffprobe'), source: 'env' });
  });

  it('then takes ffmpeg and ffprobe found on PATH', () => {
    const paths = resolveFfmpegPaths({ ffmpegPath: undefined, ffprobePath: undefined, searchPath: `/nonexistent:${dir}` });
    expect(paths.ffmpeg).toEqual({ path: join(dir, 'ffmpeg'), source: 'system' });
    expect(paths.ffprobe).toEqual({ path: join(dir, 'ffprobe'), source: 'system' });
  });

  it('falls back to the binaries shipped in the installer packages', async () => {
    const paths = resolveFfmpegPaths({ ffmpegPath: undefined, ffprobePath: undefined, searchPath: '' });
    expect(paths.ffmpeg.source).toBe('bundled');
    expect(paths.ffprobe.source).toBe('bundled');
    expect(await binaryVersion(paths.ffmpeg.path)).toMatch(/^ffmpeg version /);
    expect(await binaryVersion(paths.ffprobe.path)).toMatch(/^ffprobe version /);
  });

  it('refuses an explicit path that is not an executable file, naming the variable', () => {
    expect(() => resolveFfmpegPaths({ ffmpegPath: join(dir, 'not-executable'), ffprobePath: undefined, searchPath: '' })).toThrow(
      /^FFMPEG_PATH: expected an executable file, received ".*not-executable"$/,
    );
    expect(() => resolveFfmpegPaths({ ffmpegPath: undefined, ffprobePath: join(dir, 'missing'), searchPath: '' })).toThrow(/^FFPROBE_PATH: /);
  });
});
