import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { ProblemError } from '@cascade/common';

export type BinarySource = 'env' | 'system' | 'bundled';

export interface ResolvedBinary {
  path: string;
  source: BinarySource;
}

export interface FfmpegPaths {
  ffmpeg: ResolvedBinary;
  ffprobe: ResolvedBinary;
}

const require = createRequire(import.meta.url);

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function bundled(packageName: string): string | undefined {
  try {
    // The installer packages resolve the platform-specific package holding the binary (and throw a string if absent).
    const path = (require(packageName) as { path?: unknown }).path;
    return typeof path === 'string' && isExecutableFile(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function resolveOne(name: 'ffmpeg' | 'ffprobe', explicit: string | undefined, variable: string, searchPath: string): ResolvedBinary {
  if (explicit !== undefined) {
    if (!isExecutableFile(explicit)) {
      throw new ProblemError('config-invalid', `${variable}: expected an executable file, received ${JSON.stringify(explicit)}`);
    }
    return { path: explicit, source: 'env' };
  }
  const system = findOnPath(name, searchPath);
  if (system !== undefined) return { path: system, source: 'system' };
  const shipped = bundled(`@${name}-installer/${name}`);
  if (shipped !== undefined) return { path: shipped, source: 'bundled' };
  throw new ProblemError(
    'config-invalid',
    `${variable}: no ${name} found; expected ${variable}, a ${name} on PATH or the @${name}-installer/${name} package, received none`,
  );
}

/**
 * Which ffmpeg/ffprobe to run: an explicit path wins, then a system install (usually newer and
 * maintained by the OS), then the static builds shipped inside the npm installer packages.
 */
export function resolveFfmpegPaths(options: { ffmpegPath: string | undefined; ffprobePath: string | undefined; searchPath: string }): FfmpegPaths {
  return {
    ffmpeg: resolveOne('ffmpeg', options.ffmpegPath, 'FFMPEG_PATH', options.searchPath),
    ffprobe: resolveOne('ffprobe', options.ffprobePath, 'FFPROBE_PATH', options.searchPath),
  };
}

/** First line of `<binary> -version`, for the startup log; undefined when the binary does not run. */
export function binaryVersion(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(path, ['-hide_banner', '-version'], { timeout: 10_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.split('\n')[0]?.trim());
    });
  });
}
