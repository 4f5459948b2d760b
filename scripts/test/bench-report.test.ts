import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatReport, meetsTarget, writeBenchReport } from '../bench/bench-report.ts';

describe('bench reports (CONTRACT.md "Benchmark results")', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-'));
    vi.stubEnv('BENCH_RESULTS_DIR', dir);
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('writes bench-results/<area>.json with the area, the machine and every metric', () => {
    writeBenchReport('access', [
      { name: 'hot_segment_vs_jose', value: 42.5, unit: 'ratio', target: '>= 10' },
      { name: 'jose_verify_us', value: 61.2, unit: 'us/op' },
    ]);
    const json = JSON.parse(readFileSync(join(dir, 'access.json'), 'utf8'));
    expect(json.area).toBe('access');
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(json.machine.node).toBe(process.version);
    expect(json.metrics).toEqual([
      { name: 'hot_segment_vs_jose', value: 42.5, unit: 'ratio', target: '>= 10' },
      { name: 'jose_verify_us', value: 61.2, unit: 'us/op' },
    ]);
  });

  it('judges each target operator, and says nothing for a metric without one', () => {
    expect(meetsTarget({ name: 'a', value: 1, unit: 'ratio', target: '>= 1' })).toBe(true);
    expect(meetsTarget({ name: 'a', value: 0.99, unit: 'ratio', target: '>= 1' })).toBe(false);
    expect(meetsTarget({ name: 'a', value: 5.1, unit: 'us', target: '<= 5' })).toBe(false);
    expect(meetsTarget({ name: 'a', value: 1, unit: 'count', target: '== 1' })).toBe(true);
    expect(meetsTarget({ name: 'a', value: 2, unit: 'count', target: '== 1' })).toBe(false);
    expect(meetsTarget({ name: 'a', value: 2, unit: 'count' })).toBeUndefined();
  });

  it('prints a table that marks a missed target', () => {
    const text = formatReport({
      area: 'shield',
      machine: { cores: 2, cpu: 'x', node: 'v24' },
      metrics: [{ name: 'origin_fetches', value: 2, unit: 'count', target: '== 1' }],
    });
    expect(text).toMatch(/origin_fetches\s+2\s+count\s+== 1\s+MISSED/);
  });

  it('refuses a metric that is not a finite number rather than writing it', () => {
    expect(() => writeBenchReport('access', [{ name: 'x', value: Number.NaN, unit: 'us' }])).toThrow(/finite/);
    expect(() => writeBenchReport('../etc', [])).toThrow(/area/);
  });
});
