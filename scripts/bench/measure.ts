/**
 * Microbenchmark helpers. Benchmarks compare candidates measured in the same run, interleaved, so
 * the machine's noise falls on both sides of a ratio.
 */

export interface Measured {
  name: string;
  /** Median microseconds per operation over the rounds. */
  usPerOp: number;
  opsPerSecond: number;
}

/** Keeps results alive so the optimizer cannot drop the work being measured. */
export let sink: unknown;

function timeBatch(fn: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = fn();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

/** Each candidate's median µs/op over its rounds. */
function medians(samples: Map<string, number[]>): Record<string, Measured> {
  const out: Record<string, Measured> = {};
  for (const [name, values] of samples) {
    const sorted = [...values].sort((a, b) => a - b);
    const usPerOp = sorted[Math.floor(sorted.length / 2)]!;
    out[name] = { name, usPerOp, opsPerSecond: 1e6 / usPerOp };
  }
  return out;
}

/** Iterations such that one batch of `fn` takes roughly `targetMs`. */
function calibrate(fn: () => unknown, targetMs: number): number {
  let n = 1;
  for (;;) {
    const us = timeBatch(fn, n) * n;
    if (us >= targetMs * 1000 || n >= 1 << 24) return Math.max(1, Math.round((n * targetMs * 1000) / Math.max(us, 1)));
    n *= 4;
  }
}

/**
 * Measures synchronous candidates interleaved round by round (A B C, A B C, …) and reports each
 * one's median µs/op. `rounds` batches of about `batchMs` each, after a warm-up batch.
 */
export function compareSync(candidates: Record<string, () => unknown>, options: { rounds?: number; batchMs?: number } = {}): Record<string, Measured> {
  const rounds = options.rounds ?? 15;
  const batchMs = options.batchMs ?? 40;
  const names = Object.keys(candidates);
  const iterations = new Map<string, number>();
  for (const name of names) {
    const fn = candidates[name]!;
    timeBatch(fn, 10);
    iterations.set(name, calibrate(fn, batchMs));
  }
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) samples.get(name)!.push(timeBatch(candidates[name]!, iterations.get(name)!));
  }
  return medians(samples);
}

/** Same as compareSync for async operations (awaited one at a time). */
export async function compareAsync(candidates: Record<string, () => Promise<unknown>>, options: { rounds?: number; iterations?: number } = {}): Promise<Record<string, Measured>> {
  const rounds = options.rounds ?? 15;
  const iterations = options.iterations ?? 200;
  const names = Object.keys(candidates);
  for (const name of names) for (let i = 0; i < 20; i++) sink = await candidates[name]!();
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const fn = candidates[name]!;
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink = await fn();
      samples.get(name)!.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
    }
  }
  return medians(samples);
}
