import { describe, expect, it } from 'vitest';
import { DEFAULT_LADDER, ladderForSource, outputFrameRate, SAMPLE_LADDER } from '../src/media/ladder.ts';
import { frameRateArgument } from '../src/media/package-vod.ts';

const heights = (source: { width: number; height: number; rotation?: number }) => ladderForSource(DEFAULT_LADDER, source).video.map((r) => r.height);

describe('the default ladder', () => {
  it('has five H.264 renditions from 240p to 1080p with rising bit rates, plus AAC-LC stereo', () => {
    expect(DEFAULT_LADDER.video.map((r) => r.height)).toEqual([240, 360, 480, 720, 1080]);
    const rates = DEFAULT_LADDER.video.map((r) => r.bitrate);
    expect([...rates].sort((a, b) => a - b)).toEqual(rates);
    for (const r of DEFAULT_LADDER.video) expect(r.maxrate).toBeGreaterThan(r.bitrate);
    expect(DEFAULT_LADDER.audio).toMatchObject({ channels: 2, sampleRate: 48_000 });
  });

  it('keeps the sample small: three renditions up to 720p', () => {
    expect(SAMPLE_LADDER.video.map((r) => r.height)).toEqual([360, 540, 720]);
  });
});

describe('ladderForSource: never upscale', () => {
  it('keeps every rung for 1080p and drops the ones above smaller sources', () => {
    expect(heights({ width: 1920, height: 1080 })).toEqual([240, 360, 480, 720, 1080]);
    expect(heights({ width: 3840, height: 2160 })).toEqual([240, 360, 480, 720, 1080]);
    expect(heights({ width: 1280, height: 720 })).toEqual([240, 360, 480, 720]);
    expect(heights({ width: 853, height: 480 })).toEqual([240, 360, 480]);
    expect(heights({ width: 640, height: 359 })).toEqual([240]);
  });

  it('gives a source below the lowest rung one rendition at its own even height', () => {
    const ladder = ladderForSource(DEFAULT_LADDER, { width: 213, height: 121 });
    expect(ladder.video).toEqual([{ ...DEFAULT_LADDER.video[0], id: 'video-120p', height: 120 }]);
  });

  it('uses the displayed height of a rotated (portrait phone) source', () => {
    expect(heights({ width: 1280, height: 720, rotation: 90 })).toEqual([240, 360, 480, 720, 1080]);
    expect(heights({ width: 1920, height: 1080, rotation: -90 })).toEqual([240, 360, 480, 720, 1080]);
    expect(heights({ width: 720, height: 480, rotation: 180 })).toEqual([240, 360, 480]);
  });
});

describe('outputFrameRate', () => {
  it('keeps common rates, halves rates above 60 and uses the nominal rate of variable-frame-rate sources', () => {
    expect(outputFrameRate({ frameRate: 25 })).toBe(25);
    expect(outputFrameRate({ frameRate: 30000 / 1001 })).toBe(29.97);
    expect(outputFrameRate({ frameRate: 120 })).toBe(60);
    expect(outputFrameRate({ frameRate: 240 })).toBe(60);
    expect(outputFrameRate({ frameRate: 10.6, nominalFrameRate: 25 })).toBe(25);
    expect(outputFrameRate({ frameRate: 25, nominalFrameRate: 25 })).toBe(25);
  });

  it('writes NTSC rates as exact rationals for the fps filter', () => {
    expect(frameRateArgument(29.97)).toBe('30000/1001');
    expect(frameRateArgument(23.976)).toBe('24000/1001');
    expect(frameRateArgument(59.94)).toBe('60000/1001');
    expect(frameRateArgument(25)).toBe('25');
  });
});
