import cliProgress from 'cli-progress';

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Upload and job progress for `npm run ingest`: cli-progress bars on a terminal, one plain line
 * per change of state (and per 10 %) when stderr is a pipe or a CI log.
 */
export class IngestProgress {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  #bar: cliProgress.SingleBar | undefined;
  #phase: string | undefined;
  #lastLogged = -1;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  #enter(phase: string, total: number, format: string): void {
    if (this.#phase === phase) return;
    this.#bar?.stop();
    this.#phase = phase;
    this.#lastLogged = -1;
    if (this.#tty) {
      this.#bar = new cliProgress.SingleBar({ stream: this.#stream, format, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
      this.#bar.start(total, 0, { state: phase, detail: '' });
    } else {
      this.#bar = undefined;
    }
  }

  #line(percent: number, text: string): void {
    const decile = Math.floor(percent / 10);
    if (decile === this.#lastLogged) return;
    this.#lastLogged = decile;
    this.#stream.write(`ingest: ${text}\n`);
  }

  upload(sent: number, total: number): void {
    this.#enter('upload', total, 'upload    [{bar}] {percentage}% | {detail}');
    const detail = `${formatBytes(sent)} of ${formatBytes(total)}`;
    if (this.#bar) this.#bar.update(sent, { detail });
    else this.#line(total === 0 ? 100 : (sent / total) * 100, `upload ${detail}`);
  }

  job(state: string, percent: number, etaSeconds: number | null): void {
    this.#enter(`job-${state}`, 100, `${state.padEnd(11)}[{bar}] {percentage}% | {detail}`);
    const detail = etaSeconds === null ? '' : `ETA ${etaSeconds} s`;
    if (this.#bar) this.#bar.update(Math.floor(percent), { detail });
    else this.#line(percent, `${state} ${percent.toFixed(1)} %${detail ? ` (${detail})` : ''}`);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
