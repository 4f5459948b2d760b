import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProblemError } from '@cascade/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function configError(env: Record<string, string>): ProblemError {
  try {
    loadConfig(env);
  } catch (error) {
    return error as ProblemError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:8081, <repo>/.data/origin and a 60 s demo sample', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8081, sample: { titleId: 'demo', durationSeconds: 60 } });
    expect(config.dataDir).toBe(join(repoRoot, '.data', 'origin'));
    expect(config.ffmpegPath).toBeUndefined();
  });

  it('reads every variable it knows', () => {
    const config = loadConfig({
      ORIGIN_HOST: '0.0.0.0',
      ORIGIN_PORT: '9000',
      ORIGIN_DATA_DIR: 'relative/data',
      ORIGIN_SAMPLE_SECONDS: '12',
      FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg',
      FFPROBE_PATH: '/opt/ffmpeg/bin/ffprobe',
    });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9000, sample: { durationSeconds: 12 }, ffmpegPath: '/opt/ffmpeg/bin/ffmpeg', ffprobePath: '/opt/ffmpeg/bin/ffprobe' });
    expect(isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir.endsWith(join('relative', 'data'))).toBe(true);
  });

  it.each([
    ['ORIGIN_PORT', 'eighty', 'an integer in 0..65535'],
    ['ORIGIN_PORT', '70000', 'an integer in 0..65535'],
    ['ORIGIN_PORT', '80.5', 'an integer in 0..65535'],
    ['ORIGIN_SAMPLE_SECONDS', '2', 'an integer in 4..3600'],
    ['ORIGIN_HOST', 'bad host', 'a host name or IP address'],
  ])('refuses %s=%s naming the variable, the expectation and the value', (name, value, expected) => {
    const error = configError({ [name]: value });
    expect(error).toBeInstanceOf(ProblemError);
    expect(error.code).toBe('config-invalid');
    expect(error.message).toBe(`${name}: expected ${expected}, received ${JSON.stringify(value)}`);
  });

  it('reads ORIGIN_API_TOKENS as a rotation list and refuses short or non-printable tokens', () => {
    expect(loadConfig({}).apiTokens).toEqual([]);
    expect(loadConfig({ ORIGIN_API_TOKENS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb' }).apiTokens).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb']);
    expect(configError({ ORIGIN_API_TOKENS: 'short' }).message).toMatch(/ORIGIN_API_TOKENS: expected comma-separated tokens of at least 16/);
    expect(configError({ ORIGIN_API_TOKENS: 'aaaaaaaaaaaaaaaa,' }).code).toBe('config-invalid');
    expect(configError({ ORIGIN_API_TOKENS: 'aaaaaaaa aaaaaaaaaaaa' }).code).toBe('config-invalid');
  });

  it('reads the ingest limits, with defaults that refuse 8K and path ingest', () => {
    expect(loadConfig({}).ingest).toMatchObject({ ingestDirs: [], maxSourceDimension: 4096, segmentSeconds: 4, maxAttempts: 3, maxUploadBytes: 20 * 1024 ** 3 });
    const config = loadConfig({
      ORIGIN_WORKERS: '3',
      ORIGIN_MAX_UPLOAD_BYTES: '1000',
      ORIGIN_INGEST_DIRS: '/srv/drop, /mnt/media',
      ORIGIN_MAX_SOURCE_DIMENSION: '7680',
      ORIGIN_FFMPEG_MEMORY_MB: '512',
      ORIGIN_FFMPEG_TIMEOUT_SECONDS: '60',
    });
    expect(config.ingest).toMatchObject({ workers: 3, maxUploadBytes: 1000, ingestDirs: ['/srv/drop', '/mnt/media'], maxSourceDimension: 7680, ffmpegMemoryBytes: 512 * 1024 * 1024, ffmpegTimeoutMs: 60_000 });
  });

  it.each([
    ['ORIGIN_WORKERS', '0', 'an integer in 1..256'],
    ['ORIGIN_SEGMENT_SECONDS', '0', 'an integer in 1..30'],
    ['ORIGIN_INGEST_DIRS', 'relative/dir', 'comma-separated absolute directories'],
  ])('refuses ingest setting %s=%s', (name, value, expected) => {
    expect(configError({ [name]: value }).message).toBe(`${name}: expected ${expected}, received ${JSON.stringify(value)}`);
  });

  it('reads the live channel settings and refuses bad ones naming the variable', () => {
    expect(loadConfig({}).live).toEqual({ demo: 'standard', ladder: 'standard', segmentSeconds: 2, dvrWindowSeconds: 300, lowLatency: true });
    expect(loadConfig({ ORIGIN_LIVE_DEMO: 'off', ORIGIN_LIVE_LADDER: 'light', ORIGIN_LIVE_SEGMENT_SECONDS: '4', ORIGIN_LIVE_DVR_SECONDS: '60', ORIGIN_LIVE_LOW_LATENCY: 'false' }).live).toEqual({ demo: 'off', ladder: 'light', segmentSeconds: 4, dvrWindowSeconds: 60, lowLatency: false });
    expect(configError({ ORIGIN_LIVE_DEMO: 'huge' }).message).toBe('ORIGIN_LIVE_DEMO: expected standard | light | off, received "huge"');
    expect(configError({ ORIGIN_LIVE_SEGMENT_SECONDS: '0' }).message).toMatch(/^ORIGIN_LIVE_SEGMENT_SECONDS: expected an integer in 1\.\.10/);
    expect(configError({ ORIGIN_LIVE_DVR_SECONDS: '5' }).message).toMatch(/^ORIGIN_LIVE_DVR_SECONDS: expected an integer in 30\.\./);
  });
});
