import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../lib/repo-root.ts';

/** A target as CONTRACT.md writes it: `>= x`, `<= x` or `== x`. */
export type BenchTarget = `${'>=' | '<=' | '=='} ${number}`;

export interface BenchMetric {
  name: string;
  value: number;
  unit: string;
  target?: BenchTarget;
}

export interface BenchReport {
  area: string;
  machine: { cores: number; cpu: string; node: string };
  metrics: BenchMetric[];
  /** Free-form context a reader needs to trust the figures (load tool, corpus, iterations). */
  notes?: Record<string, string | number>;
}

/** Whether `value` meets `target`; undefined when the metric names no target. */
export function meetsTarget(metric: BenchMetric): boolean | undefined {
  if (metric.target === undefined) return undefined;
  const [op, raw] = metric.target.split(' ') as [string, string];
  const bound = Number(raw);
  if (op === '>=') return metric.value >= bound;
  if (op === '<=') return metric.value <= bound;
  return metric.value === bound;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(1) : abs >= 1 ? value.toFixed(3) : value.toPrecision(3);
}

/** The table every bench prints: one line per metric, with its target and whether it was met. */
export function formatReport(report: BenchReport): string {
  const rows = report.metrics.map((m) => {
    const met = meetsTarget(m);
    return [m.name, formatValue(m.value), m.unit, m.target ?? '', met === undefined ? '' : met ? 'met' : 'MISSED'];
  });
  const header = ['metric', 'value', 'unit', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const machine = `${report.machine.cores} cores, ${report.machine.cpu}, node ${report.machine.node}`;
  return [`bench:${report.area}  (${machine})`, line(header), ...rows.map(line)].join('\n');
}

export function machineInfo(): BenchReport['machine'] {
  return { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };
}

/**
 * Writes `bench-results/<area>.json` (CONTRACT.md's format) and prints the table. Returns the report.
 * `BENCH_RESULTS_DIR` overrides the directory (the tests use a temporary one).
 */
export function writeBenchReport(area: string, metrics: BenchMetric[], notes?: BenchReport['notes']): BenchReport {
  if (!/^[a-z][a-z0-9-]*$/.test(area)) throw new TypeError(`bench area must match [a-z][a-z0-9-]*, received ${JSON.stringify(area)}`);
  for (const m of metrics) {
    if (!Number.isFinite(m.value)) throw new TypeError(`bench metric ${m.name} must be a finite number, received ${m.value}`);
  }
  const report: BenchReport = { area, machine: machineInfo(), metrics, ...(notes ? { notes } : {}) };
  const dir = process.env.BENCH_RESULTS_DIR ?? join(repoRoot, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${area}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.log(formatReport(report));
  return report;
}
