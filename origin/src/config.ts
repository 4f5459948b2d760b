import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProblemError } from '@cascade/common';

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
  };
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
}

export const ORIGIN_DEFAULTS = {
  host: '127.0.0.1',
  port: 8081,
  dataDir: resolve(REPO_ROOT, '.data', 'origin'),
  sampleTitleId: 'demo',
  sampleDurationSeconds: 60,
} as const;

type Env = Record<string, string | undefined>;

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
  return {
    host,
    port: integer(env, 'ORIGIN_PORT', ORIGIN_DEFAULTS.port, 0, 65535),
    dataDir: absolutePath(env, 'ORIGIN_DATA_DIR') ?? ORIGIN_DEFAULTS.dataDir,
    sample: {
      titleId: ORIGIN_DEFAULTS.sampleTitleId,
      durationSeconds: integer(env, 'ORIGIN_SAMPLE_SECONDS', ORIGIN_DEFAULTS.sampleDurationSeconds, 4, 3600),
    },
    ffmpegPath: absolutePath(env, 'FFMPEG_PATH'),
    ffprobePath: absolutePath(env, 'FFPROBE_PATH'),
    searchPath: env['PATH'] ?? '',
    apiTokens: apiTokens(env),
  };
}
