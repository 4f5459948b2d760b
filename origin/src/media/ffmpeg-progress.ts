/** One block of ffmpeg's `-progress` output (a run of key=value lines ending in `progress=`). */
export interface FfmpegProgress {
  /** Media time written so far, in seconds. */
  outTimeSeconds: number;
  /** True on the last block ffmpeg writes. */
  done: boolean;
}

/**
 * Incremental parser for `-progress pipe:1`. Newer ffmpeg writes `out_time_us`; every version also
 * writes `out_time_ms`, which despite its name is in microseconds as well, so either gives the same value.
 */
export class FfmpegProgressParser {
  #buffer = '';
  #outTimeUs: number | undefined;
  readonly #onProgress: (progress: FfmpegProgress) => void;

  constructor(onProgress: (progress: FfmpegProgress) => void) {
    this.#onProgress = onProgress;
  }

  push(chunk: string): void {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf('\n');
    while (newline !== -1) {
      this.#line(this.#buffer.slice(0, newline).trim());
      this.#buffer = this.#buffer.slice(newline + 1);
      newline = this.#buffer.indexOf('\n');
    }
  }

  #line(line: string): void {
    const equals = line.indexOf('=');
    if (equals === -1) return;
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1).trim();
    if (key === 'out_time_us' || key === 'out_time_ms') {
      const micros = Number(value);
      // N/A or a negative start time before the first packet: keep the last good value.
      if (Number.isFinite(micros) && micros >= 0) this.#outTimeUs = micros;
    } else if (key === 'progress') {
      this.#onProgress({ outTimeSeconds: (this.#outTimeUs ?? 0) / 1e6, done: value === 'end' });
    }
  }
}
