import { describe, expect, it } from 'vitest';
import { FfmpegProgressParser, type FfmpegProgress } from '../src/media/ffmpeg-progress.ts';

function collect(chunks: string[]): FfmpegProgress[] {
  const seen: FfmpegProgress[] = [];
  const parser = new FfmpegProgressParser((p) => seen.push(p));
  for (const chunk of chunks) parser.push(chunk);
  return seen;
}

describe('FfmpegProgressParser', () => {
  it('reads out_time_us blocks and marks the last one done', () => {
    const out = collect(['frame=50\nout_time_us=2000000\nout_time_ms=2000000\nprogress=continue\n', 'out_time_us=4500000\nprogress=end\n']);
    expect(out).toEqual([
      { outTimeSeconds: 2, done: false },
      { outTimeSeconds: 4.5, done: true },
    ]);
  });

  it('reads out_time_ms, which older ffmpeg writes in microseconds too', () => {
    expect(collect(['out_time_ms=1500000\nprogress=continue\n'])).toEqual([{ outTimeSeconds: 1.5, done: false }]);
  });

  it('copes with lines split across chunks and with N/A before the first packet', () => {
    const out = collect(['out_time_us=N/A\nprog', 'ress=continue\nout_time', '_us=3000000\r\nprogress=continue\n']);
    expect(out.map((p) => p.outTimeSeconds)).toEqual([0, 3]);
  });
});
