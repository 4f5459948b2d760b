import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { FfmpegProgressParser, type FfmpegProgress } from './ffmpeg-progress.ts';

export type FfmpegFailure = 'exit' | 'timeout' | 'aborted' | 'spawn' | 'memory';

/** A failed ffmpeg run; `reason` is the end of ffmpeg's own stderr, which names what went wrong. */
export class FfmpegError extends Error {
  readonly failure: FfmpegFailure;
  readonly exitCode: number | null;
  readonly reason: string;

  constructor(failure: FfmpegFailure, exitCode: number | null, reason: string) {
    const what = {
      exit: `ffmpeg exited with code ${exitCode}`,
      timeout: 'ffmpeg timed out and was killed',
      aborted: 'ffmpeg was aborted',
      spawn: 'ffmpeg could not be started',
      memory: 'ffmpeg used more memory than allowed and was killed',
    }[failure];
    super(reason === '' ? what : `${what}: ${reason}`);
    this.name = 'FfmpegError';
    this.failure = failure;
    this.exitCode = exitCode;
    this.reason = reason;
  }
}

export interface RunFfmpegOptions {
  ffmpegPath: string;
  /** Arguments after the common prefix (banner, stdin, log level and progress are set here). */
  args: readonly string[];
  signal?: AbortSignal;
  /** Kill ffmpeg after this long; default 30 minutes. */
  timeoutMs?: number;
  onProgress?: (progress: FfmpegProgress) => void;
  /** Kill ffmpeg once its resident set passes this many bytes (checked every 250 ms); default unlimited. */
  memoryLimitBytes?: number;
}

const MEMORY_CHECK_MS = 250;

/** Resident set size of a process from /proc (Linux); undefined where /proc is missing or the process is gone. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const STDERR_TAIL_BYTES = 4096;
const REASON_LINES = 6;

/** The last few non-empty lines of stderr: ffmpeg prints the cause just before "Conversion failed!". */
function reasonFrom(stderrTail: string): string {
  const lines = stderrTail
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== 'Conversion failed!');
  return lines.slice(-REASON_LINES).join(' | ');
}

/**
 * Run ffmpeg once. Resolves when it exits 0; otherwise rejects with FfmpegError carrying ffmpeg's
 * stderr reason. Abort and timeout kill the process (SIGKILL: whatever it wrote is thrown away anyway).
 */
export function runFfmpeg(options: RunFfmpegOptions): Promise<void> {
  const { ffmpegPath, args, signal, timeoutMs = 30 * 60_000, onProgress, memoryLimitBytes } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new FfmpegError('aborted', null, ''));
      return;
    }
    const fullArgs = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', ...args];
    const child = spawn(ffmpegPath, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderrTail = '';
    let stopped: FfmpegFailure | undefined;
    const parser = new FfmpegProgressParser((progress) => onProgress?.(progress));

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => parser.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });

    const kill = (why: FfmpegFailure) => {
      if (stopped !== undefined || child.exitCode !== null) return;
      stopped = why;
      child.kill('SIGKILL');
    };
    const onAbort = () => kill('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    timer.unref();
    // A watchdog on RSS rather than an address-space rlimit (prlimit/ulimit -v): x264 reserves far
    // more virtual memory than it touches, so a virtual limit fails healthy encodes; RSS is what the
    // machine actually loses.
    const watchdog =
      memoryLimitBytes === undefined || child.pid === undefined
        ? undefined
        : setInterval(() => {
            void residentBytes(child.pid!).then((bytes) => {
              if (bytes !== undefined && bytes > memoryLimitBytes) kill('memory');
            });
          }, MEMORY_CHECK_MS);
    watchdog?.unref();

    const finish = () => {
      clearTimeout(timer);
      if (watchdog) clearInterval(watchdog);
      signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      finish();
      reject(new FfmpegError('spawn', null, `${ffmpegPath}: ${error.message}`));
    });
    child.once('close', (code) => {
      finish();
      if (stopped !== undefined) reject(new FfmpegError(stopped, code, reasonFrom(stderrTail)));
      else if (code === 0) resolve();
      else reject(new FfmpegError('exit', code, reasonFrom(stderrTail)));
    });
  });
}
