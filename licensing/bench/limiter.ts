// npm run bench:limiter: the StreamLimiter Durable Object in workerd (through miniflare), locally.
//   acquire_*:   a session start on an account's object (one object per account, first call to it)
//   heartbeat_*: a lease renewal on a live lease (playlist reload or heartbeat URL)
//   baseline_*:  the same request without an object, and a one-row read RPC on first-touched and live objects
//   license_*:   ClearKey licence issuance (request parsed, KIDs and tiers checked, lease renewed, keys unwrapped, JWK set)
//   baseline_unwrap_*: one bare WebCrypto AES-KW unwrap per request (no lease, no cache)
// One request = one RPC to one account's object; timed from Node; ops/s with CONCURRENCY requests in flight.
import { build } from 'esbuild';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { writeBenchReport, type BenchMetric } from '../../scripts/bench/bench-report.ts';

const ACCOUNTS = 2000;
const CONCURRENCY = 32;
const SEQUENTIAL = 500;

const bundled = await build({
  entryPoints: [new URL('./limiter-worker.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  external: ['cloudflare:workers'],
  write: false,
});
// This miniflare (v5 beta) takes a new option shape; the v4 shape converts into it.
const mf = new Miniflare(convertV4MiniflareOptions({
  workers: [
    {
      name: 'limiter-bench',
      modules: true,
      script: bundled.outputFiles[0]!.text,
      compatibilityDate: '2026-11-01',
      durableObjects: { STREAM_LIMITER: { className: 'StreamLimiter', useSQLite: true } },
    },
  ],
}));

interface Batch {
  latencies: number[];
  elapsedMs: number;
  /** What the first answer said, to check the calls did what they claim. */
  sample: string;
}

/** `count` requests, `concurrency` in flight, account i for the i-th; each timed from Node. */
async function batch(op: string, run: string, count: number, concurrency: number): Promise<Batch> {
  const latencies: number[] = [];
  let next = 0;
  let sample = '';
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const response = await mf.dispatchFetch(`http://bench.local/?op=${op}&acct=${run}-${i}`);
        const body = await response.text();
        latencies.push(performance.now() - t0);
        if (!response.ok) throw new Error(`${op}: ${response.status} ${body}`);
        if (i === 0) sample = body.slice(0, 60);
      }
    }),
  );
  return { latencies, elapsedMs: performance.now() - started, sample };
}
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

try {
  // Warm-up: the isolate, SQLite and the code paths.
  await batch('acquire', 'warm', 200, 8);
  await batch('heartbeat', 'warm', 200, 8);

  // Sequential: latency without queueing, accounts touched for the first time (acquire) then live (heartbeat).
  const pingSeq = await batch('ping', 'seq', SEQUENTIAL, 1);
  // Baselines on the same footing: a read on first-touched objects (vs acquire) and on live ones (vs heartbeat).
  const readColdSeq = await batch('read', 'cold', SEQUENTIAL, 1);
  const acquireSeq = await batch('acquire', 'seq', SEQUENTIAL, 1);
  const heartbeatSeq = await batch('heartbeat', 'seq', SEQUENTIAL, 1);
  const readWarmSeq = await batch('read', 'seq', SEQUENTIAL, 1);
  // Licence issuance on live leases (the 'seq' and 'con' accounts hold one), against a bare unwrap.
  await batch('license', 'warm', 50, 4);
  const unwrapSeq = await batch('unwrap', 'seq', SEQUENTIAL, 1);
  const licenseSeq = await batch('license', 'seq', SEQUENTIAL, 1);
  // Concurrent: throughput over many accounts.
  const readCon = await batch('read', 'con-read', ACCOUNTS, CONCURRENCY);
  const acquireCon = await batch('acquire', 'con', ACCOUNTS, CONCURRENCY);
  const heartbeatCon = await batch('heartbeat', 'con', ACCOUNTS, CONCURRENCY);
  const licenseCon = await batch('license', 'con', ACCOUNTS, CONCURRENCY);
  if (!licenseSeq.sample.includes('"keys":[{"kty":"oct"')) throw new Error(`licence issuance did not issue keys: ${licenseSeq.sample}`);
  if (!acquireSeq.sample.includes('"admitted":true') || !heartbeatSeq.sample.includes('"alive":true')) {
    throw new Error(`the calls did not do what they measure: ${acquireSeq.sample} / ${heartbeatSeq.sample}`);
  }

  const ms = (name: string, value: number): BenchMetric => ({ name, value: Number(value.toFixed(3)), unit: 'ms' });
  const opsPerSecond = (b: Batch) => Math.round(b.latencies.length / (b.elapsedMs / 1000));
  const p50 = (b: Batch) => quantile(b.latencies, 0.5);
  const p99 = (b: Batch) => quantile(b.latencies, 0.99);
  writeBenchReport(
    'limiter',
    [
      ms('acquire_p50_ms', p50(acquireSeq)),
      ms('acquire_p99_ms', p99(acquireSeq)),
      ms('heartbeat_p50_ms', p50(heartbeatSeq)),
      ms('heartbeat_p99_ms', p99(heartbeatSeq)),
      ms('baseline_read_first_touch_p50_ms', p50(readColdSeq)),
      ms('baseline_read_live_p50_ms', p50(readWarmSeq)),
      ms('baseline_no_object_p50_ms', p50(pingSeq)),
      { name: 'acquire_ops_per_s', value: opsPerSecond(acquireCon), unit: 'ops/s' },
      { name: 'heartbeat_ops_per_s', value: opsPerSecond(heartbeatCon), unit: 'ops/s' },
      { name: 'baseline_read_rpc_ops_per_s', value: opsPerSecond(readCon), unit: 'ops/s' },
      ms('acquire_p99_under_load_ms', p99(acquireCon)),
      ms('heartbeat_p99_under_load_ms', p99(heartbeatCon)),
      ms('license_p50_ms', p50(licenseSeq)),
      ms('license_p99_ms', p99(licenseSeq)),
      { name: 'license_ops_per_s', value: opsPerSecond(licenseCon), unit: 'ops/s' },
      ms('license_p99_under_load_ms', p99(licenseCon)),
      ms('baseline_unwrap_p50_ms', p50(unwrapSeq)),
      { name: 'license_vs_heartbeat_p50', value: Number((p50(licenseSeq) / p50(heartbeatSeq)).toFixed(2)), unit: 'x' },
      { name: 'acquire_vs_read_first_touch_p50', value: Number((p50(acquireSeq) / p50(readColdSeq)).toFixed(2)), unit: 'x' },
      { name: 'heartbeat_vs_read_live_p50', value: Number((p50(heartbeatSeq) / p50(readWarmSeq)).toFixed(2)), unit: 'x' },
    ],
    {
      runtime: 'workerd via miniflare (v5 beta, convertV4MiniflareOptions), SQLite-backed Durable Object storage, all local',
      load: `${SEQUENTIAL} sequential requests per op, then ${ACCOUNTS} accounts with ${CONCURRENCY} requests in flight`,
      timing: 'performance.now() in Node around mf.dispatchFetch: includes Node->workerd HTTP hop (see baseline_no_object)',
      baselines: 'baseline_no_object: the same request answered without touching an object; baseline_read_*: limitOverride(), a one-row read, on first-touched objects (acquire’s footing: a session start is usually the first call to its account’s object) and on live ones (heartbeat’s footing)',
      license_issuance: 'license_*: the licence route’s work once the session token and catalogue entry are cached in the isolate (ClearKeyAdapter, tier checks, lease heartbeat RPC, TitleKeys unwrap cache, JWK set); baseline_unwrap: one uncached AES-KW unwrap; license_vs_heartbeat: licence issuance over the bare lease renewal it contains',
      caveat: 'on Cloudflare the first call to an account object adds placement and network latency not seen locally; the machine is shared by other jobs',
    },
  );
} finally {
  await mf.dispose();
}
