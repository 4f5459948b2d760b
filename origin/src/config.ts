import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProblemError } from '@cascade/common';
import { KeyEncryptionKey } from '@cascade/licensing/protection';

/** origin/src/config.ts -> repository root, so the default data dir does not depend on the working directory. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface OriginConfig {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Absolute. Holds `vod/<titleId>/` (published titles) and `tmp/` (builds in progress). */
  dataDir: string;
  sample: {
    titleId: string;
    /** Length of the synthesized sample; 60 s in production, shorter in tests. */
    durationSeconds: number;
    /** ORIGIN_SAMPLE_ENCRYPTION: `cenc` (default when CONTENT_KEK is set), `cbcs` or `none`. */
    encryption: TitleEncryption;
  };
  /**
   * The key-encryption key (CONTENT_KEK, base64 of 32 bytes): content keys are stored wrapped under it.
   * Undefined: titles can only be packaged clear.
   */
  contentKek: KeyEncryptionKey | undefined;
  /** Explicit binaries (FFMPEG_PATH / FFPROBE_PATH); undefined means "look on PATH, then the bundled ones". */
  ffmpegPath: string | undefined;
  ffprobePath: string | undefined;
  /** PATH, where a system ffmpeg/ffprobe is looked for when no explicit path is given. */
  searchPath: string;
  /**
   * Bearer tokens accepted by the operator API (ORIGIN_API_TOKENS, comma-separated so a new token
   * can be added before the old one is removed). Empty: the operator API refuses every request.
   */
  apiTokens: string[];
  ingest: IngestConfig;
  live: LiveConfig;
}

/** Live channels (README "Live channels"). */
export interface LiveConfig {
  /** The sample channel `live-demo`: its ladder, or 'off' (ORIGIN_LIVE_DEMO). */
  demo: 'standard' | 'light' | 'off';
  /** Defaults of channels created without them (ORIGIN_LIVE_LADDER, ORIGIN_LIVE_SEGMENT_SECONDS, ORIGIN_LIVE_DVR_SECONDS). */
  ladder: 'standard' | 'light';
  segmentSeconds: number;
  dvrWindowSeconds: number;
  /** LL-HLS for channels created without `lowLatency` (ORIGIN_LIVE_LOW_LATENCY, default true). */
  lowLatency: boolean;
}

/** Limits and capacity of the ingest pipeline (uploads, probe policy, worker pool, ffmpeg). */
export interface IngestConfig {
  /** Transcode jobs run at once (ORIGIN_WORKERS, default: CPU cores). */
  workers: number;
  /** Largest upload or fetched source in bytes (ORIGIN_MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** Absolute directories an operator may name for path ingest (ORIGIN_INGEST_DIRS); empty refuses path ingest. */
  ingestDirs: string[];
  /** Longest side, in pixels, of a source the origin accepts (ORIGIN_MAX_SOURCE_DIMENSION); 8K is refused by default. */
  maxSourceDimension: number;
  /** Longest source accepted, in seconds (ORIGIN_MAX_SOURCE_SECONDS). */
  maxSourceSeconds: number;
  /** Kill one ffmpeg run after this long (ORIGIN_FFMPEG_TIMEOUT_SECONDS). */
  ffmpegTimeoutMs: number;
  /** Kill one ffmpeg run whose resident memory passes this (ORIGIN_FFMPEG_MEMORY_MB). */
  ffmpegMemoryBytes: number;
  /** Segment and GOP length of ingested titles (ORIGIN_SEGMENT_SECONDS). */
  segmentSeconds: number;
  /** Starts of a job (restarts included) before it is failed for good (ORIGIN_JOB_MAX_ATTEMPTS). */
  maxAttempts: number;
}

export const ORIGIN_DEFAULTS = {
  host: '127.0.0.1',
  port: 8081,
  dataDir: resolve(REPO_ROOT, '.data', 'origin'),
  sampleTitleId: 'demo',
  sampleDurationSeconds: 60,
  maxUploadBytes: 20 * 1024 ** 3,
  maxSourceDimension: 4096,
  maxSourceSeconds: 6 * 3600,
  ffmpegTimeoutSeconds: 6 * 3600,
  ffmpegMemoryMb: 4096,
  segmentSeconds: 4,
  maxAttempts: 3,
  liveDemoId: 'live-demo',
  liveSegmentSeconds: 2,
  liveDvrSeconds: 300,
} as const;

type Env = Record<string, string | undefined>;

/**
 * How a title's media is protected: Common Encryption (`cenc` AES-CTR, `cbcs` AES-CBC pattern), HLS
 * AES-128 (whole segments, for older players; HLS only) or clear.
 */
export const TITLE_ENCRYPTIONS = ['none', 'cenc', 'cbcs', 'aes-128'] as const;
export type TitleEncryption = (typeof TITLE_ENCRYPTIONS)[number];

function contentKek(env: Env): KeyEncryptionKey | undefined {
  const raw = optional(env, 'CONTENT_KEK');
  if (raw === undefined) return undefined;
  try {
    return KeyEncryptionKey.fromBase64(raw);
  } catch (error) {
    throw new ProblemError('config-invalid', (error as Error).message);
  }
}

function sampleEncryption(env: Env, kek: KeyEncryptionKey | undefined): TitleEncryption {
  const raw = optional(env, 'ORIGIN_SAMPLE_ENCRYPTION');
  if (raw === undefined) return kek ? 'cenc' : 'none';
  if (!(TITLE_ENCRYPTIONS as readonly string[]).includes(raw)) throw invalid('ORIGIN_SAMPLE_ENCRYPTION', TITLE_ENCRYPTIONS.join(', '), raw);
  if (raw !== 'none' && !kek) throw invalid('ORIGIN_SAMPLE_ENCRYPTION', '"none" while CONTENT_KEK is unset (keys are stored wrapped under it)', raw);
  return raw as TitleEncryption;
}

function invalid(variable: string, expected: string, received: string): ProblemError {
  return new ProblemError('config-invalid', `${variable}: expected ${expected}, received ${JSON.stringify(received.slice(0, 120))}`);
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(name, `an integer in ${min}..${max}`, raw);
  }
  return value;
}

function absolutePath(env: Env, name: string): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  if (raw.includes('\0')) throw invalid(name, 'a file system path', raw);
  return isAbsolute(raw) ? raw : resolve(raw);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw invalid(name, allowed.join(' | '), raw);
  return raw as T;
}

function directories(env: Env, name: string): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return [];
  return raw.split(',').map((entry) => {
    const dir = entry.trim();
    if (!isAbsolute(dir) || dir.includes('\0')) throw invalid(name, 'comma-separated absolute directories', dir);
    return resolve(dir);
  });
}

const MIN_API_TOKEN_LENGTH = 16;

function apiTokens(env: Env): string[] {
  const raw = optional(env, 'ORIGIN_API_TOKENS');
  if (raw === undefined) return [];
  const tokens = raw.split(',').map((t) => t.trim());
  for (const token of tokens) {
    if (token.length < MIN_API_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
      throw invalid('ORIGIN_API_TOKENS', `comma-separated tokens of at least ${MIN_API_TOKEN_LENGTH} visible ASCII characters`, `${token.slice(0, 4)}… (${token.length} characters)`);
    }
  }
  return tokens;
}

/**
 * The only place the origin reads its environment. Throws ProblemError('config-invalid') naming the
 * variable, what was expected and what was received.
 */
export function loadConfig(env: Env = process.env): OriginConfig {
  const host = optional(env, 'ORIGIN_HOST') ?? ORIGIN_DEFAULTS.host;
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw invalid('ORIGIN_HOST', 'a host name or IP address', host);
  const kek = contentKek(env);
  return {
    host,
    port: integer(env, 'ORIGIN_PORT', ORIGIN_DEFAULTS.port, 0, 65535),
    dataDir: absolutePath(env, 'ORIGIN_DATA_DIR') ?? ORIGIN_DEFAULTS.dataDir,
    sample: {
      titleId: ORIGIN_DEFAULTS.sampleTitleId,
      durationSeconds: integer(env, 'ORIGIN_SAMPLE_SECONDS', ORIGIN_DEFAULTS.sampleDurationSeconds, 4, 3600),
      encryption: sampleEncryption(env, kek),
    },
    contentKek: kek,
    ffmpegPath: absolutePath(env, 'FFMPEG_PATH'),
    ffprobePath: absolutePath(env, 'FFPROBE_PATH'),
    searchPath: env['PATH'] ?? '',
    apiTokens: apiTokens(env),
    ingest: {
      workers: integer(env, 'ORIGIN_WORKERS', Math.max(1, availableParallelism()), 1, 256),
      maxUploadBytes: integer(env, 'ORIGIN_MAX_UPLOAD_BYTES', ORIGIN_DEFAULTS.maxUploadBytes, 1, Number.MAX_SAFE_INTEGER),
      ingestDirs: directories(env, 'ORIGIN_INGEST_DIRS'),
      maxSourceDimension: integer(env, 'ORIGIN_MAX_SOURCE_DIMENSION', ORIGIN_DEFAULTS.maxSourceDimension, 16, 16384),
      maxSourceSeconds: integer(env, 'ORIGIN_MAX_SOURCE_SECONDS', ORIGIN_DEFAULTS.maxSourceSeconds, 1, 7 * 24 * 3600),
      ffmpegTimeoutMs: integer(env, 'ORIGIN_FFMPEG_TIMEOUT_SECONDS', ORIGIN_DEFAULTS.ffmpegTimeoutSeconds, 1, 7 * 24 * 3600) * 1000,
      ffmpegMemoryBytes: integer(env, 'ORIGIN_FFMPEG_MEMORY_MB', ORIGIN_DEFAULTS.ffmpegMemoryMb, 16, 1024 * 1024) * 1024 * 1024,
      segmentSeconds: integer(env, 'ORIGIN_SEGMENT_SECONDS', ORIGIN_DEFAULTS.segmentSeconds, 1, 30),
      maxAttempts: integer(env, 'ORIGIN_JOB_MAX_ATTEMPTS', ORIGIN_DEFAULTS.maxAttempts, 1, 100),
    },
    live: {
      demo: oneOf(env, 'ORIGIN_LIVE_DEMO', ['standard', 'light', 'off'], 'standard'),
      ladder: oneOf(env, 'ORIGIN_LIVE_LADDER', ['standard', 'light'], 'standard'),
      segmentSeconds: integer(env, 'ORIGIN_LIVE_SEGMENT_SECONDS', ORIGIN_DEFAULTS.liveSegmentSeconds, 1, 10),
      dvrWindowSeconds: integer(env, 'ORIGIN_LIVE_DVR_SECONDS', ORIGIN_DEFAULTS.liveDvrSeconds, 30, 24 * 3600),
      lowLatency: oneOf(env, 'ORIGIN_LIVE_LOW_LATENCY', ['true', 'false'], 'true') === 'true',
    },
  };
}
