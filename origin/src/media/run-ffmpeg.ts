import { spawn } from 'node:child_process';
import { FfmpegProgressParser, type FfmpegProgress } from './ffmpeg-progress.ts';

export type FfmpegFailure = 'exit' | 'timeout' | 'aborted' | 'spawn';

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
  const { ffmpegPath, args, signal, timeoutMs = 30 * 60_000, onProgress } = options;
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

    const finish = () => {
      clearTimeout(timer);
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
