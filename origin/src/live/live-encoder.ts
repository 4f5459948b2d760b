import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { EncoderOutput } from './encoder-args.ts';
import { Fmp4Splitter } from './fmp4-splitter.ts';

export interface LiveEncoderEvents {
  onInit(output: EncoderOutput, bytes: Buffer): void;
  onChunk(output: EncoderOutput, bytes: Buffer): void;
  /** The process ended (by itself, by kill(), or because a pipe carried something that is not fMP4). */
  onExit(result: { code: number | null; signal: NodeJS.Signals | null; stderr: string; error?: Error }): void;
}

const STDERR_KEEP = 4096;

/**
 * One run of a channel's ffmpeg: every output is a pipe (fd 3, 4, …) carrying one track as
 * fragmented MP4, split into the init segment and CMAF chunks as the bytes arrive. The last few KiB
 * of stderr are kept for the channel's health and the log.
 */
export class LiveEncoder {
  readonly #child: ChildProcess;
  #stderr = '';
  #exited = false;
  readonly startedAt = Date.now();
  /** Settles after onExit has run. */
  readonly exited: Promise<void>;
  #resolveExited: () => void = () => {};

  constructor(ffmpegPath: string, args: string[], outputs: EncoderOutput[], events: LiveEncoderEvents) {
    const maxFd = Math.max(...outputs.map((o) => o.fd));
    const stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'pipe'];
    for (let fd = 3; fd <= maxFd; fd++) stdio.push('pipe');
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve));
    this.#child = spawn(ffmpegPath, args, { stdio });
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      this.kill();
    };
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (text: string) => {
      const useful = text.split('\n').filter((line) => !line.startsWith('Fontconfig')).join('\n');
      this.#stderr = (this.#stderr + useful).slice(-STDERR_KEEP);
    });
    for (const output of outputs) {
      const stream = this.#child.stdio[output.fd] as Readable | null;
      if (!stream) continue;
      const splitter = new Fmp4Splitter();
      stream.on('data', (data: Buffer) => {
        if (failure) return;
        try {
          for (const piece of splitter.push(data)) {
            if (piece.kind === 'init') events.onInit(output, piece.bytes);
            else events.onChunk(output, piece.bytes);
          }
        } catch (error) {
          fail(error as Error);
        }
      });
      stream.on('error', () => {});
    }
    this.#child.on('error', (error) => fail(error));
    this.#child.on('close', (code, signal) => {
      this.#exited = true;
      try {
        events.onExit({ code, signal, stderr: this.#stderr.trim(), ...(failure && { error: failure }) });
      } finally {
        this.#resolveExited();
      }
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return !this.#exited;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.#exited) this.#child.kill(signal);
  }
}
