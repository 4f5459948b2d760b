/**
 * `npm run bench:shield`: the shield against Debian's nginx (proxy_cache + proxy_cache_lock, one
 * worker) in front of the same origin, on loopback, in one run. Hot loads use wrk, interleaved
 * shield/nginx round by round so the shared machine's noise falls on both; the cold surge and the
 * outage use a Node client (wrk cannot fire an exact number of simultaneous requests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchMetric, writeBenchReport } from '../../scripts/bench/bench-report.ts';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { NGINX_BIN, startNginx, waitListening } from './nginx-proxy.ts';
import { percentile, SurgeClient, timedGet } from './surge-client.ts';
import { wrk } from './wrk-load.ts';

const SECRET = 'bench-shield-secret-0123456789abcdef';
const AUTH = { 'x-cascade-shield-auth': SECRET };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const SURGE = 2000;
const SURGE_LATENCY_MS = 200;
const SURGE_REPS = Number(process.env.BENCH_SURGE_REPS ?? 3);
/** [bytes, label, carries the targets]: a 16 KB segment (2 s of 64 kb/s audio) and a 64 KB one. */
const SURGE_SIZES: [number, string, boolean][] = [
  [16 * 1024, '16kb', true],
  [64 * 1024, '64kb', false],
];

const HOT_SEGMENT = '/vod/bench/seg-hot-1mb.m4s';
const HOT_PLAYLIST = '/live/bench/hot.m3u8';
const STALE_KEYS = ['/vod/bench/stale-seg.m4s', '/vod/bench/stale.m3u8', '/live/bench/stale.m3u8'];

type Target = 'shield' | 'nginx';

/** Progress on stderr: the run takes minutes, and a stalled phase should say which it is. */
const progress = (message: string): void => {
  process.stderr.write(`[bench:shield ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A helper process that prints its URL as its first line of output. */
async function spawnServer(script: string): Promise<{ child: ChildProcess; url: string }> {
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, script)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, url };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The bench origin in its own process, driven through its control API. */
async function startOriginProcess() {
  const { child, url } = await spawnServer('shield/bench/bench-origin.ts');
  const call = async (path: string, init?: RequestInit): Promise<unknown> => (await fetch(`${url}/__bench/${path}`, init)).json();
  return {
    url,
    put: (path: string, spec: { size?: number; fill?: number; text?: string; contentType: string; cacheControl: string }) =>
      call(`objects${path}`, { method: 'PUT', body: JSON.stringify(spec) }),
    latency: (ms: number) => call(`latency/${ms}`, { method: 'POST' }),
    down: (down: boolean) => call(`down/${down ? 1 : 0}`, { method: 'POST' }),
    count: async (path: string) => Number(await call(`count${path}`)),
    close: () => stop(child),
  };
}

function playlist(bytes: number, targetDuration: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${targetDuration}`, '#EXT-X-MEDIA-SEQUENCE:100', '#EXT-X-MAP:URI="init-720p.mp4"'];
  for (let n = 100; lines.join('\n').length < bytes - 40; n += 1) lines.push(`#EXTINF:${targetDuration}.000,`, `video-720p-${n}.m4s`);
  return `${lines.join('\n')}\n`.padEnd(bytes, '\n').slice(0, bytes);
}

async function startShieldProcess(port: number, originUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'shield/src/main.ts')], {
    env: {
      ...process.env,
      SHIELD_PORT: String(port),
      ORIGIN_URL: originUrl,
      SHIELD_AUTH_SECRETS: SECRET,
      SHIELD_CACHE_BYTES: String(512 * 1024 * 1024),
      // nginx's keepalive_timeout (65 s, its default) below: both keep the surge client's idle connections.
      SHIELD_KEEP_ALIVE_TIMEOUT_MS: '65000',
      // Like nginx's `access_log off` below: neither side logs each request during the run.
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitListening(url, child, () => stderr);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  if (!existsSync(NGINX_BIN)) throw new Error(`${NGINX_BIN} not found: install Debian's nginx-light`);
  const dir = mkdtempSync(join(tmpdir(), 'cascade-bench-shield-'));
  // Run as root, nginx's workers drop to `nobody` and must be able to reach their cache below here.
  chmodSync(dir, 0o755);
  const origin = await startOriginProcess();
  await origin.put(HOT_SEGMENT, { size: 1024 * 1024, fill: 7, contentType: 'video/iso.segment', cacheControl: 'public, max-age=31536000, immutable' });
  await origin.put(HOT_PLAYLIST, { text: playlist(2048, 4), contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=2' });
  for (const target of ['shield', 'nginx']) {
    await origin.put(`/vod/bench/warm-${target}.m4s`, { size: 16 * 1024, fill: 3, contentType: 'video/iso.segment', cacheControl: 'public, max-age=31536000, immutable' });
  }
  for (const key of STALE_KEYS) {
    const body = key.endsWith('.m3u8') ? { text: playlist(2048, 2) } : { size: 256 * 1024, fill: 5 };
    await origin.put(key, { ...body, contentType: key.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/iso.segment', cacheControl: 'public, max-age=1' });
  }

  const shield = await startShieldProcess(await freePort(), origin.url);
  const nginx = await startNginx(join(dir, 'nginx'), await freePort(), origin.url);
  const urls: Record<Target, string> = { shield: shield.url, nginx: nginx.url };
  const targets: Target[] = ['shield', 'nginx'];
  const metrics: BenchMetric[] = [];
  const notes: Record<string, string | number> = {
    cores: availableParallelism(),
    load_tool: 'wrk 1 thread (hot loads, interleaved shield/nginx per round); raw-socket Node client (cold surge); node:http client (outage)',
    nginx: `${NGINX_BIN} (nginx-light), 1 worker, proxy_cache + proxy_cache_lock on, access_log off`,
    shield: 'node shield/src/main.ts, LOG_LEVEL=warn',
    rounds: ROUNDS,
    seconds_per_run: SECONDS,
  };

  try {
    // Warm both caches.
    for (const target of targets) for (const path of [HOT_SEGMENT, HOT_PLAYLIST, HOT_SEGMENT, HOT_PLAYLIST]) await fetch(urls[target] + path, { headers: AUTH }).then((r) => r.arrayBuffer());

    // 1 & 2. Hot objects, interleaved rounds.
    const hot = async (path: string, connections: number, floors?: { http: string; net: string }) => {
      const rps: Record<Target | 'floor' | 'netFloor', number[]> = { shield: [], nginx: [], floor: [], netFloor: [] };
      const bps: Record<Target | 'floor' | 'netFloor', number[]> = { shield: [], nginx: [], floor: [], netFloor: [] };
      const runs: (Target | 'floor' | 'netFloor')[] = floors === undefined ? targets : [...targets, 'floor', 'netFloor'];
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const target of round % 2 === 0 ? runs : [...runs].reverse()) {
          const url = target === 'floor' ? floors!.http : target === 'netFloor' ? floors!.net : urls[target] + path;
          const result = await wrk(url, { connections, seconds: SECONDS, headers: AUTH });
          if (result.non2xx > 0 || result.errors > 0) notes[`${target}_${path}_round${round}_errors`] = `${result.non2xx} non-2xx, ${result.errors} socket errors`;
          rps[target].push(result.requestsPerSecond);
          bps[target].push(result.bytesPerSecond);
        }
      }
      return {
        rps: {
          shield: median(rps.shield),
          nginx: median(rps.nginx),
          floor: rps.floor.length > 0 ? median(rps.floor) : 0,
          netFloor: rps.netFloor.length > 0 ? median(rps.netFloor) : 0,
        },
        bps: { shield: median(bps.shield), nginx: median(bps.nginx) },
      };
    };
    progress('hot 1 MB segment');
    const seg = await hot(HOT_SEGMENT, 16);
    metrics.push(
      { name: 'hot_1mb_rps_vs_nginx', value: seg.rps.shield / seg.rps.nginx, unit: 'ratio', target: '>= 1' },
      { name: 'hot_1mb_gbps_vs_nginx', value: seg.bps.shield / seg.bps.nginx, unit: 'ratio', target: '>= 1' },
      { name: 'hot_1mb_shield_rps', value: Math.round(seg.rps.shield), unit: 'req/s' },
      { name: 'hot_1mb_nginx_rps', value: Math.round(seg.rps.nginx), unit: 'req/s' },
      { name: 'hot_1mb_shield_gbps', value: seg.bps.shield / 1e9, unit: 'GB/s' },
      { name: 'hot_1mb_nginx_gbps', value: seg.bps.nginx / 1e9, unit: 'GB/s' },
    );
    progress('hot 2 KB playlist');
    const bare = await spawnServer('shield/bench/bare-node-server.ts');
    const bareNet = await spawnServer('shield/bench/bare-net-server.ts');
    const pl = await hot(HOT_PLAYLIST, 64, { http: bare.url, net: bareNet.url });
    await stop(bare.child);
    await stop(bareNet.child);
    metrics.push(
      { name: 'hot_2kb_bare_node_http_rps', value: Math.round(pl.rps.floor), unit: 'req/s' },
      { name: 'hot_2kb_shield_vs_bare_node_http', value: pl.rps.shield / pl.rps.floor, unit: 'ratio' },
      { name: 'hot_2kb_bare_node_net_rps', value: Math.round(pl.rps.netFloor), unit: 'req/s' },
      { name: 'hot_2kb_shield_vs_bare_node_net', value: pl.rps.shield / pl.rps.netFloor, unit: 'ratio' },
      { name: 'hot_2kb_bare_node_net_vs_nginx', value: pl.rps.netFloor / pl.rps.nginx, unit: 'ratio' },
      { name: 'hot_2kb_playlist_rps_vs_nginx', value: pl.rps.shield / pl.rps.nginx, unit: 'ratio', target: '>= 0.8' },
      { name: 'hot_2kb_playlist_shield_rps', value: Math.round(pl.rps.shield), unit: 'req/s' },
      { name: 'hot_2kb_playlist_nginx_rps', value: Math.round(pl.rps.nginx), unit: 'req/s' },
    );

    // 3. Cold surge: 2,000 simultaneous requests for one uncached segment, origin answering in 200 ms.
    // Repeated on fresh keys, shield and nginx alternating, for two segment sizes; medians reported.
    progress('surges');
    const clients = { shield: await SurgeClient.open(urls.shield, SURGE), nginx: await SurgeClient.open(urls.nginx, SURGE) };
    const floorServer = await spawnServer('shield/bench/bare-net-surge-server.ts');
    const floorClient = await SurgeClient.open(floorServer.url, SURGE);
    await floorClient.surge(`/${16 * 1024}`, AUTH);
    await origin.latency(SURGE_LATENCY_MS);
    for (const target of targets) {
      // Use every connection once, then one identical cold surge on another key, for both: the measured
      // surges must not pay for TCP handshakes or for warming up the code of a cold miss (the shield's JIT).
      await clients[target].surge(HOT_PLAYLIST, AUTH);
      await clients[target].surge(`/vod/bench/warm-${target}.m4s`, AUTH);
    }
    for (const [size, label, withTargets] of SURGE_SIZES) {
      const runs: Record<Target, { fetches: number[]; p99: number[]; p50: number[]; ttfb: number[]; cached: number[]; ok: number[] }> = {
        shield: { fetches: [], p99: [], p50: [], ttfb: [], cached: [], ok: [] },
        nginx: { fetches: [], p99: [], p50: [], ttfb: [], cached: [], ok: [] },
      };
      const floorP99: number[] = [];
      for (let rep = 0; rep < SURGE_REPS; rep += 1) {
        progress(`surge floor ${label} #${rep} bare node:net`);
        floorP99.push(percentile((await floorClient.surge(`/${size}`, AUTH)).latenciesMs, 99));
        for (const target of rep % 2 === 0 ? targets : [...targets].reverse()) {
          const path = `/vod/bench/cold-${label}-${rep}-${target}.m4s`;
          await origin.put(path, { size, fill: 3, contentType: 'video/iso.segment', cacheControl: 'public, max-age=31536000, immutable' });
          progress(`cold surge ${label} #${rep} ${target}`);
          const cold = await clients[target].surge(path, AUTH);
          // The same surge once cached (the origin is not asked): what the machine and client alone cost.
          const cached = await clients[target].surge(path, AUTH);
          const run = runs[target];
          run.fetches.push(await origin.count(path));
          run.p99.push(percentile(cold.latenciesMs, 99));
          run.p50.push(percentile(cold.latenciesMs, 50));
          run.ttfb.push(percentile(cold.firstByteMs, 99));
          run.cached.push(percentile(cached.latenciesMs, 99));
          run.ok.push(cold.statuses.get(200) ?? 0);
        }
      }
      metrics.push({ name: `surge_floor_${label}_p99_ms_bare_node_net`, value: Math.round(median(floorP99)), unit: 'ms' });
      for (const target of targets) {
        const run = runs[target];
        const shield = target === 'shield' && withTargets;
        metrics.push(
          { name: `cold_surge_${label}_origin_fetches_max_${target}`, value: Math.max(...run.fetches), unit: 'requests', ...(shield && { target: '== 1' as const }) },
          { name: `cold_surge_${label}_p99_ms_${target}`, value: Math.round(median(run.p99)), unit: 'ms', ...(shield && { target: `<= ${SURGE_LATENCY_MS + 50}` as const }) },
          { name: `cold_surge_${label}_p50_ms_${target}`, value: Math.round(median(run.p50)), unit: 'ms' },
          { name: `cold_surge_${label}_first_byte_p99_ms_${target}`, value: Math.round(median(run.ttfb)), unit: 'ms' },
          { name: `cached_surge_${label}_p99_ms_${target}`, value: Math.round(median(run.cached)), unit: 'ms' },
          { name: `cold_surge_${label}_answered_200_min_${target}`, value: Math.min(...run.ok), unit: 'requests' },
        );
      }
    }
    await origin.latency(0);
    clients.shield.close();
    clients.nginx.close();
    floorClient.close();
    await stop(floorServer.child);

    progress('origin down');
    // 4. Origin down: objects cached, then stale (max-age=1), then the origin answers 503 to everything.
    for (const target of targets) for (const key of STALE_KEYS) await fetch(urls[target] + key, { headers: AUTH }).then((r) => r.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await origin.down(true);
    for (const target of targets) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
      let ok = 0;
      let total = 0;
      for (let batch = 0; batch < 10; batch += 1) {
        const answers = await Promise.all(
          Array.from({ length: 30 }, (_, i) => timedGet(agent, urls[target] + STALE_KEYS[i % STALE_KEYS.length]!, AUTH).catch(() => ({ status: 0, ms: 0, bytes: 0 }))),
        );
        total += answers.length;
        ok += answers.filter((answer) => answer.status === 200).length;
      }
      agent.destroy();
      metrics.push({ name: `origin_down_stale_share_${target}`, value: (100 * ok) / total, unit: '%', ...(target === 'shield' && { target: '>= 100' as const }) });
    }
    await origin.down(false);
    notes.surge = `2,000 simultaneous GETs on 2,000 open keep-alive connections, origin latency ${SURGE_LATENCY_MS} ms, ${SURGE_REPS} surges per size and target on fresh keys (medians; fetches: max over surges); targets on the 16 KB segment; surge_floor_*: the same surge against a bare node:net server that holds every request 200 ms and then writes a constant answer of the same size (the floor for any Node server here)`;
    notes.outage = '3 keys (VOD segment, VOD playlist, live playlist), stale for 0.5 s, 300 requests, origin answering 503';
  } finally {
    await shield.close();
    await nginx.close();
    await origin.close();
    const errorLog = join(dir, 'nginx', 'error.log');
    if (existsSync(errorLog)) {
      const lines = readFileSync(errorLog, 'utf8').trim().split('\n').filter((line) => line.includes('[error]') || line.includes('[crit]') || line.includes('[emerg]'));
      if (lines.length > 0) notes.nginx_errors = `${lines.length} error lines, last: ${lines.at(-1)?.slice(0, 300)}`;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  writeBenchReport('shield', metrics, notes);
}

await main();
