// npm run bench:surge [-- --title live-demo --hold 2000 --max 8000 ...]: a measured surge on this machine.
// The full local stack (origin and shield as Node services, the edge Worker on workerd through miniflare),
// simulated viewers (the k6 scenarios' viewer model, one async loop each) ramped to --hold and held, then
// more added step by step until a tier saturates; every figure next to the planner's prediction.
// Writes bench-results/surge.json (+ surge.svg). See README "Surge readiness".
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeBenchReport, type BenchMetric } from '../../scripts/bench/bench-report.ts';
import { ensureDevIdentity, signViewerToken } from '../../scripts/lib/dev-identity.ts';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { freePort } from '../../test/e2e/free-port.ts';
import { planInstant, EDGE_TYPES, type EdgeType } from '../planner/plan-surge.ts';
import { DEFAULT_COSTS } from '../planner/request-costs.ts';
import type { Rung, SurgeScenario } from '../planner/surge-scenario.ts';
import { LIVE_LADDERS } from '../../origin/src/live/live-ladder.ts';
import { benchScenario, rungFromVariant } from './bench-scenario.ts';
import { parseMediaPlaylist, parseMultivariant } from '../src/viewer/hls-playlists.ts';
import { resolveUrl } from '../src/viewer/resolve-url.ts';
import { runViewer, type ViewerOptions, type ViewerStats } from '../src/viewer/run-viewer.ts';
import { BenchViewerPort, type Sample } from './bench-viewer-port.ts';
import { startEdgeOnMiniflare, type RunningEdge } from './edge-on-miniflare.ts';
import { startWorkerProfile, topFunctions } from './inspector-profile.ts';
import { cpuSeconds, machineBusySeconds, treeCpuSeconds } from './proc-cpu.ts';
import { surgeChart, type SurgeSecond } from './surge-chart.ts';
import { TierAccessLog, type AccessEntry } from './tier-access-log.ts';
import { listenOverflows } from './listen-overflows.ts';

const USAGE = 'usage: npm run bench:surge -- [--title ID] [--hold VIEWERS] [--ramp SECONDS] [--hold-seconds S] [--step VIEWERS] [--step-seconds S] [--max VIEWERS] [--heartbeat-seconds S] [--max-height PIXELS] [--segment-seconds S] [--ladder light|standard] [--low-latency] [--edges N] [--profile-edge FILE.cpuprofile]';
let args;
try {
  ({ values: args } = parseArgs({
    args: process.argv.slice(2),
    options: {
      title: { type: 'string', default: 'live-demo' },
      hold: { type: 'string', default: '2000' },
      ramp: { type: 'string', default: '40' },
      'hold-seconds': { type: 'string', default: '70' },
      step: { type: 'string', default: '500' },
      'step-seconds': { type: 'string', default: '20' },
      max: { type: 'string', default: '8000' },
      'heartbeat-seconds': { type: 'string', default: '30' },
      'max-height': { type: 'string' },
      'segment-seconds': { type: 'string', default: '6' },
      ladder: { type: 'string', default: 'light' },
      'low-latency': { type: 'boolean', default: false },
      edges: { type: 'string', default: '2' },
      'profile-edge': { type: 'string' },
    },
    strict: true,
  }));
} catch (error) {
  process.stderr.write(`bench:surge: ${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
const int = (name: string, raw: string, min: number, max: number) => {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    process.stderr.write(`bench:surge: --${name}: expected an integer from ${min} to ${max}, received ${raw}\n${USAGE}\n`);
    process.exit(2);
  }
  return v;
};
const TITLE = args.title;
if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(TITLE)) {
  process.stderr.write(`bench:surge: --title: expected a title id, received ${TITLE}\n`);
  process.exit(2);
}
const HOLD = int('hold', args.hold, 1, 100_000);
const RAMP_S = int('ramp', args.ramp, 1, 3600);
const HOLD_S = int('hold-seconds', args['hold-seconds'], 15, 3600);
const STEP = int('step', args.step, 1, 100_000);
const STEP_S = int('step-seconds', args['step-seconds'], 10, 3600);
const MAX = int('max', args.max, HOLD, 200_000);
const HEARTBEAT_S = int('heartbeat-seconds', args['heartbeat-seconds'], 0, 3600);
/** The edge's STREAM_RENEWAL_REUSE_SECONDS (its default), given to the edge and to the planner alike. */
const RENEWAL_REUSE_SECONDS = 20;
/** A device ceiling for every viewer's ABR rule: fewer bytes per viewer, more viewers per core. */
const MAX_HEIGHT = args['max-height'] === undefined ? undefined : int('max-height', args['max-height'], 144, 4320);
/**
 * The live-demo channel's segment duration (ORIGIN_LIVE_SEGMENT_SECONDS), 6 s by default as many
 * platforms use (Apple's authoring spec says 6 s): a viewer's request rate is set by it (one reload and
 * one segment per track per segment duration), and the planner is given the same figure.
 */
const SEGMENT_S = int('segment-seconds', args['segment-seconds'], 1, 10);
if (args.ladder !== 'light' && args.ladder !== 'standard') {
  process.stderr.write(`bench:surge: --ladder: expected light or standard, received ${args.ladder}\n${USAGE}\n`);
  process.exit(2);
}
/** live-demo's encoding ladder: `light` (180p/144p/108p, 15 fps) leaves the 2 cores to the tiers under test. */
const LADDER = args.ladder;
/**
 * live-demo as a standard-latency channel by default (ORIGIN_LIVE_LOW_LATENCY=false: no LL-HLS parts,
 * delta updates only), as large sports events mostly run; --low-latency lists the parts too. The viewer
 * model reloads by target duration either way (it is not an LL-HLS client).
 */
const LOW_LATENCY = args['low-latency'] === true;
/**
 * Edge isolates: one workerd process each, every viewer (its own account) kept on one of them, as a PoP
 * spreads a crowd over its isolates. workerd runs an isolate on one thread, so one process caps the edge
 * at one core however many the machine has; the planner is told the same number of isolates.
 */
const EDGES = int('edges', args.edges, 1, 8);
/** Windows skip their first seconds: viewers just added are still starting up. */
const SETTLE_S = 8;
/** The longest wait for the ramped crowd's rungs to settle before the hold is measured. */
const MAX_SETTLE_S = 120;

const identity = await ensureDevIdentity();
const children: ChildProcess[] = [];
const logs = { shield: new TierAccessLog(), origin: new TierAccessLog() };

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await r.body?.cancel();
      if (r.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function startNode(tier: 'origin' | 'shield', env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(repoRoot, tier, 'src', 'main.ts')], {
    cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  logs[tier].follow(child.stdout);
  return child;
}

const ports = { origin: await freePort(), shield: await freePort(), edges: await Promise.all(Array.from({ length: EDGES }, () => freePort())) };
// One data directory per channel shape: the stored channel keeps the segment duration it was made with.
const origin = startNode('origin', {
  ORIGIN_PORT: String(ports.origin),
  ORIGIN_DATA_DIR: join(repoRoot, '.cache', `bench-surge-origin-${LADDER}-${SEGMENT_S}s${LOW_LATENCY ? '' : '-std'}`),
  ORIGIN_API_TOKENS: identity.serviceSecrets.originApiToken,
  ORIGIN_LIVE_DEMO: LADDER,
  ORIGIN_LIVE_LADDER: LADDER,
  ORIGIN_LIVE_SEGMENT_SECONDS: String(SEGMENT_S),
  ORIGIN_LIVE_LOW_LATENCY: String(LOW_LATENCY),
  // The VOD sample is not played here: keep its first-start encode short.
  ORIGIN_SAMPLE_SECONDS: '4',
});
const shield = startNode('shield', { SHIELD_PORT: String(ports.shield), ORIGIN_URL: `http://127.0.0.1:${ports.origin}`, SHIELD_AUTH_SECRETS: identity.serviceSecrets.shieldSecret });
// 512 sockets per edge. One per viewer (as players would) opened thousands at the ramp, more than
// workerd accepted: the kernel dropped their SYNs (listen_overflows) and clients waited up to 31 s for
// retransmissions. Fewer queue requests in this process when the edge is slow, which the windows show as
// latency all the same.
const port = new BenchViewerPort({ connections: 512 });
const viewers: Array<Promise<ViewerStats>> = [];
/** Viewers still playing, and how the others stopped before the bench ended them. */
let active = 0;
let ending = false;
const outcomes = new Map<string, number>();
const edgeDisposers: Array<() => Promise<void>> = [];

try {
  console.error('bench:surge: starting origin (the first start makes the sample content) and shield…');
  await waitHealthy(`http://127.0.0.1:${ports.origin}`, 10 * 60_000);
  await waitHealthy(`http://127.0.0.1:${ports.shield}`, 60_000);
  const inspectorPort = args['profile-edge'] === undefined ? undefined : await freePort();
  const edges: RunningEdge[] = [];
  for (const [i, edgePort] of ports.edges.entries()) {
    const started = await startEdgeOnMiniflare({
      identity, shieldUrl: `http://127.0.0.1:${ports.shield}`, port: edgePort,
      // The profile (--profile-edge) is of the first isolate.
      ...(inspectorPort !== undefined && i === 0 && { inspectorPort }),
      vars: { STREAM_LIMITS: 'basic:100,standard:100,premium:100', STREAM_RENEWAL_REUSE_SECONDS: String(RENEWAL_REUSE_SECONDS) },
    });
    edgeDisposers.push(started.dispose);
    edges.push(started);
  }
  const edge = edges[0]!;
  const titleUrl = `http://127.0.0.1:${ports.origin}/api/v1/titles/${TITLE}`;
  const deadline = Date.now() + 10 * 60_000;
  let entry: { kind?: string } | undefined;
  while (!entry) {
    const r = await fetch(titleUrl, { headers: { authorization: `Bearer ${identity.serviceSecrets.originApiToken}` } });
    if (r.status === 200) entry = (await r.json()) as { kind?: string };
    else await r.body?.cancel();
    if (!entry && Date.now() > deadline) throw new Error(`title ${TITLE} is not in the origin's catalogue (${r.status}); is it a live channel the origin makes (issue 7)?`);
    if (!entry) await new Promise((res) => setTimeout(res, 1000));
  }
  const live = entry.kind === 'live';
  console.error(`bench:surge: ${TITLE} is ${live ? 'a live channel' : 'a VOD title'}; edge on workerd: ${edges.map((e) => `${e.url} (pid ${e.workerdPid})`).join(', ')}`);

  // What one viewer sees, for the planner's scenario: tracks, segment duration, reload interval.
  const probeToken = await signViewerToken(identity, { sub: 'surge-probe', plan: 'premium', role: 'viewer', ttlSeconds: 7200 });
  const probeUrl = `${edge.url}/v1/play/${TITLE}/master.m3u8?token=${probeToken}`;
  // A live channel that has just started has no segments yet: wait until its window holds a few.
  let probedMaster: ReturnType<typeof parseMultivariant> | undefined;
  let probedMedia: ReturnType<typeof parseMediaPlaylist> | undefined;
  let masterText = '';
  for (const probeDeadline = Date.now() + 120_000; ;) {
    const probe = await fetch(probeUrl);
    const body = await probe.text();
    if (probe.status === 200) {
      probedMaster = parseMultivariant(body, probeUrl);
      masterText = body;
      const media = await fetch(probedMaster.variants[0]!.uri);
      const text = await media.text();
      if (media.status === 200) probedMedia = parseMediaPlaylist(text, probedMaster.variants[0]!.uri);
      if (probedMedia && probedMedia.segments.length >= 3) break;
    }
    if (Date.now() > probeDeadline) throw new Error(`the edge does not serve ${TITLE} with 3 segments yet: ${probe.status} ${body.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const master = probedMaster!;
  const firstMedia = probedMedia!;
  const segmentSeconds = firstMedia.segments[0]?.duration ?? firstMedia.targetDuration;
  // Which segment names belong to which variant, to measure the ladder shares the viewers' ABR chose.
  const sessionByToken = new Map<string, string | undefined>();
  const prefixOf = (url: string) => url.split('?')[0]!.split('/').pop()!.replace(/[-_]?\d+\.m4s$/, '');
  const variantPrefixes = new Map<string, (typeof master.variants)[number]>();
  for (const v of master.variants) {
    const media = parseMediaPlaylist(await (await fetch(v.uri)).text(), v.uri);
    if (media.segments[0]) variantPrefixes.set(prefixOf(media.segments[0].uri), v);
  }
  // AVERAGE-BANDWIDTH by variant, in the multivariant playlist's order (the viewer model reads BANDWIDTH only).
  const averageBandwidths = new Map<string, number>();
  for (const [, attributes, uri] of masterText.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n#][^\n]*)/g)) {
    const average = /AVERAGE-BANDWIDTH=(\d+)/.exec(attributes!)?.[1];
    if (average !== undefined) averageBandwidths.set(resolveUrl(probeUrl, uri!.trim()), Number(average));
  }
  // One reload's answer as the viewers ask for it (a delta update where offered), for the planner's egress.
  const reloadProbe = await fetch(firstMedia.canSkipUntil === undefined ? master.variants[0]!.uri : `${master.variants[0]!.uri}${master.variants[0]!.uri.includes('?') ? '&' : '?'}_HLS_skip=YES`);
  const playlistBytes = reloadProbe.status === 200 ? (await reloadProbe.arrayBuffer()).byteLength : (await reloadProbe.body?.cancel(), undefined);
  const audioTracks = master.audio.length > 0 ? 1 : 0;
  // The audio rendition's rate: the origin's encoder setting for this ladder (the multivariant playlist
  // only states it inside each variant's BANDWIDTH, which the planner's rungs leave it out of).
  const audioBitrateBps = audioTracks > 0 && live ? LIVE_LADDERS[LADDER].audioBitrate : 0;
  // How long the edge keeps a media playlist: the shield's answer's own lifetime (max-age less Age),
  // which the origin sets for live playlists (1 s), not half the target duration; the shield keeps it
  // no longer (it caps live playlists at half a target duration). The planner is given this figure.
  const mediaPath = /\/v1\/media\/[^/]+\/([^?]+)/.exec(master.variants[0]!.uri)?.[1];
  const shieldPlaylist = await fetch(`http://127.0.0.1:${ports.shield}/${mediaPath}`, { headers: { 'x-cascade-shield-auth': identity.serviceSecrets.shieldSecret } });
  await shieldPlaylist.body?.cancel();
  const maxAge = Number(/(?:s-maxage|max-age)=(\d+)/.exec(shieldPlaylist.headers.get('cache-control') ?? '')?.[1] ?? NaN);
  const playlistTtlSeconds = Number.isFinite(maxAge) && maxAge > 0 ? Math.min(maxAge, firstMedia.targetDuration / 2) : firstMedia.targetDuration / 2;

  const tokens: string[] = [];
  const run = Date.now().toString(36);
  for (let i = 0; i < MAX; i++) tokens.push(await signViewerToken(identity, { sub: `surge-${run}-${i}`, plan: 'premium', role: 'viewer', ttlSeconds: 7200 }));
  const options = (token: string, index: number): ViewerOptions => ({
    manifestUrl: `${edges[index % edges.length]!.url}/v1/play/${TITLE}/master.m3u8?token=${token}`,
    watchSeconds: 24 * 3600,
    abr: { safety: 0.8, ...(MAX_HEIGHT !== undefined && { maxHeight: MAX_HEIGHT }) },
    heartbeatSeconds: HEARTBEAT_S,
    startDelaySeconds: { min: 0, max: 0.5 },
    reloadJitter: 0.1,
    vodBufferSegments: 3,
    liveEdgeSegments: 3,
    fetchAudio: true,
    stopAtEnd: true,
  });
  const addViewers = async (count: number, overSeconds: number) => {
    const gap = (overSeconds * 1000) / count;
    const start = Date.now();
    for (let i = 0; i < count; i++) {
      active++;
      viewers.push(runViewer(port, options(tokens[viewers.length]!, viewers.length)).then((stats) => {
        active--;
        // A viewer that stops before the bench ends it was refused or failed: the crowd shrank.
        if (!ending) outcomes.set(`${stats.outcome}${stats.status ? ` ${stats.status}` : ''}${stats.code ? ` ${stats.code}` : ''}`, (outcomes.get(`${stats.outcome}${stats.status ? ` ${stats.status}` : ''}${stats.code ? ` ${stats.code}` : ''}`) ?? 0) + 1);
        return stats;
      }));
      const due = start + (i + 1) * gap - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
    }
  };

  const pids: Record<string, Array<number | undefined>> = { edge: edges.map((e) => e.workerdPid), shield: [shield.pid], origin: [origin.pid] };
  const treeCpu = (list: Array<number | undefined>) => list.reduce<number>((sum, pid) => sum + (pid === undefined ? NaN : treeCpuSeconds(pid) ?? NaN), 0);
  interface Window { label: string; viewers: number; activeAtEnd: number; from: number; to: number; cpu: Record<string, number>; load1: number; listenOverflows: number }
  const measure = async (label: string, seconds: number): Promise<Window> => {
    // A window that is a whole number of heartbeat intervals holds exactly that many heartbeats per
    // viewer whatever their phase (a crowd ramped in less than one interval sends them in a band), so
    // it can be held against the plan's viewers / interval; the rest of the time is settling.
    const span = seconds - SETTLE_S;
    const measured = HEARTBEAT_S > 0 && span >= HEARTBEAT_S ? Math.floor(span / HEARTBEAT_S) * HEARTBEAT_S : span;
    await new Promise((r) => setTimeout(r, (seconds - measured) * 1000));
    // Each tier with its child processes (the origin's live encoders are ffmpeg children).
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, treeCpu(list)]));
    const self0 = process.cpuUsage();
    const machine0 = machineBusySeconds();
    const overflows0 = listenOverflows() ?? NaN;
    const from = Date.now();
    await new Promise((r) => setTimeout(r, measured * 1000));
    const to = Date.now();
    const wall = (to - from) / 1000;
    const cpu: Record<string, number> = {};
    for (const [k, list] of Object.entries(pids)) cpu[k] = (treeCpu(list) - cpu0[k]!) / wall;
    const self = process.cpuUsage(self0);
    cpu['viewers (load generator)'] = (self.user + self.system) / 1e6 / wall;
    // Everything else on the machine (other jobs share these 2 cores): busy cores minus ours.
    const ours = Object.values(cpu).filter(Number.isFinite).reduce((a, b) => a + b, 0);
    cpu['others (not this bench)'] = Math.max(0, (machineBusySeconds() - machine0) / wall - ours);
    return { label, viewers: viewers.length, activeAtEnd: active, from, to, cpu, load1: loadavg()[0]!, listenOverflows: (listenOverflows() ?? NaN) - overflows0 };
  };

  // 1. Ramp to HOLD viewers and hold them.
  console.error(`bench:surge: ramping to ${HOLD} viewers over ${RAMP_S} s, holding ${HOLD_S} s…`);
  await addViewers(HOLD, RAMP_S);
  const settledAfter = await settleRungs();
  // --profile-edge: a V8 CPU profile of the Worker over the hold (where its JavaScript time goes).
  const stopProfile = inspectorPort === undefined ? undefined : await startWorkerProfile(inspectorPort, 'cascade-edge-bench');
  const hold = await measure('hold', HOLD_S);
  if (stopProfile) {
    const profile = await stopProfile();
    writeFileSync(args['profile-edge']!, JSON.stringify(profile));
    console.error(`bench:surge: Worker CPU profile of the hold in ${args['profile-edge']}; top self time:`);
    for (const { fn, share } of topFunctions(profile, 25)) console.error(`  ${(share * 100).toFixed(1).padStart(5)} %  ${fn}`);
  }
  const windows: Window[] = [hold];
  // 2. Add STEP viewers at a time until a tier saturates.
  let saturation: { window: Window; reason: string } | undefined;
  const check = (w: Window) => analyse(w).saturated;
  if (check(hold)) saturation = { window: hold, reason: analyse(hold).reason };
  while (!saturation && viewers.length + STEP <= MAX) {
    console.error(`bench:surge: ${viewers.length} viewers held; adding ${STEP}…`);
    await addViewers(STEP, 5);
    const w = await measure(`step ${viewers.length}`, STEP_S);
    windows.push(w);
    if (check(w)) saturation = { window: w, reason: analyse(w).reason };
  }
  ending = true;
  port.end();
  await Promise.all(viewers);

  /**
   * Wait until the crowd's rungs have settled before the hold is measured: viewers start on the lowest
   * rung and climb one rung per segment or two, so with 10 s segments a ramped crowd is still climbing
   * for the first minute. Those climbers fetch segments and playlists of rungs nobody sits on at the
   * window's end (the 10 s run of 2026-11-21: shield segments 35 % over the plan, origin 16 %), a
   * start-up transient the planner's steady state does not model. Settled: under 0.5 % of the sessions
   * changed rung over the last two segments. Returns the seconds waited (at most MAX_SETTLE_S).
   */
  async function settleRungs(): Promise<number> {
    const start = Date.now();
    for (;;) {
      const now = Date.now();
      const since = now - 2 * segmentSeconds * 1000;
      const rungsOf = new Map<string, Set<(typeof master.variants)[number]>>();
      for (let i = port.samples.length - 1; i >= 0 && port.samples[i]!.at >= since; i--) {
        const video = videoSegmentOf(port.samples[i]!);
        if (video === undefined) continue;
        const seen = rungsOf.get(video.sid) ?? new Set();
        seen.add(video.variant);
        rungsOf.set(video.sid, seen);
      }
      const moving = [...rungsOf.values()].filter((r) => r.size > 1).length;
      const settled = rungsOf.size > 0 && moving <= rungsOf.size * 0.005;
      const waited = (now - start) / 1000;
      if (settled || waited >= MAX_SETTLE_S) {
        console.error(`bench:surge: rungs ${settled ? 'settled' : 'still moving'} after ${waited.toFixed(0)} s (${moving} of ${rungsOf.size} sessions changed rung in the last ${2 * segmentSeconds} s)`);
        return Math.round(waited);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  /**
   * The session and variant of a video segment request; undefined for anything else. Each rendition's
   * media token is another string for the same session, and decoding one for every sample would load the
   * viewers' core: each token is decoded once.
   */
  function videoSegmentOf(s: Sample): { sid: string; variant: (typeof master.variants)[number] } | undefined {
    const variant = s.type === 'segment' ? variantPrefixes.get(prefixOf(s.url)) : undefined;
    const token = variant === undefined ? undefined : /\/v1\/media\/([^/]+)\//.exec(s.url)?.[1];
    if (variant === undefined || token === undefined) return undefined;
    if (!sessionByToken.has(token)) sessionByToken.set(token, sessionOf(s.url));
    const sid = sessionByToken.get(token);
    return sid === undefined ? undefined : { sid, variant };
  }
  function samplesIn(w: Window): Sample[] {
    return port.samples.filter((s) => s.at >= w.from && s.at < w.to);
  }
  function quantile(values: number[], q: number): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  }
  function scenarioFor(w: Window): SurgeScenario {
    return benchScenario({
      viewers: w.activeAtEnd,
      segmentSeconds,
      targetDurationSeconds: live ? firstMedia.targetDuration : undefined,
      playlistMaxAgeSeconds: playlistTtlSeconds,
      ladder: ladderShares(w),
      audioTracks,
      audioBitrateBps,
      heartbeatSeconds: HEARTBEAT_S,
      renewalReuseSeconds: RENEWAL_REUSE_SECONDS,
      // The viewers ask for delta updates where the playlist offers them (run-viewer.ts), as hls.js does.
      deltaUpdates: live && firstMedia.canSkipUntil !== undefined,
      ...(playlistBytes !== undefined && { playlistBytes }),
      isolates: EDGES,
    });
  }
  /**
   * The ladder as the planner means it, the share of viewers on each rung: each session's rung is the
   * variant of its last video segment in the window. (The share of segment requests counted a crowd
   * stepping down together for a segment or two after a slow answer as if a few viewers sat on each lower
   * rung: those requests were for one or two segments, cached once per isolate, where steady viewers
   * would have fetched every new one. The 10 s run of 2026-11-21: 0.5 % of segment requests on the two
   * lower rungs, one lower-rung segment at the shield in 60 s.)
   */
  function ladderShares(w: Window): Rung[] {
    const last = new Map<string, { at: number; variant: (typeof master.variants)[number] }>();
    for (const s of samplesIn(w)) {
      const video = videoSegmentOf(s);
      if (video === undefined) continue;
      const held = last.get(video.sid);
      if (held === undefined || held.at <= s.at) last.set(video.sid, { at: s.at, variant: video.variant });
    }
    const counts = new Map<(typeof master.variants)[number], number>();
    for (const { variant } of last.values()) counts.set(variant, (counts.get(variant) ?? 0) + 1);
    const rung = (v: (typeof master.variants)[number], share: number) =>
      rungFromVariant(String(v.height ?? v.bandwidth), v.height ?? 0, v.bandwidth, averageBandwidths.get(v.uri), audioBitrateBps, share);
    if (last.size === 0) return [rung(master.variants[0]!, 1)];
    return [...counts].map(([v, n]) => rung(v, n / last.size));
  }
  function analyse(w: Window) {
    const samples = samplesIn(w);
    const wall = (w.to - w.from) / 1000;
    const byType = Object.fromEntries(EDGE_TYPES.map((t) => {
      const of = samples.filter((s) => s.type === t);
      return [t, { rps: of.length / wall, errors: of.filter((s) => !s.ok).length, p50: quantile(of.map((s) => s.ms), 0.5), p99: quantile(of.map((s) => s.ms), 0.99) }];
    })) as Record<EdgeType, { rps: number; errors: number; p50: number; p99: number }>;
    const errors = samples.filter((s) => !s.ok).length;
    const edgeRps = samples.length / wall;
    // The plan for the viewers actually playing: one that was refused or failed asks for nothing more.
    const predicted = planInstant(scenarioFor(w), DEFAULT_COSTS, 0, w.activeAtEnd, 0);
    const offered = predicted.edgeTotal;
    const segmentP99 = byType.segment.p99;
    const reasons: string[] = [];
    if (w.activeAtEnd < w.viewers) reasons.push(`${w.viewers - w.activeAtEnd} of ${w.viewers} viewers stopped (refused or failed)`);
    if (errors / Math.max(1, samples.length) > 0.001) reasons.push(`error rate ${((errors / samples.length) * 100).toFixed(2)} %`);
    if (segmentP99 > segmentSeconds * 1000) reasons.push(`segment p99 ${segmentP99.toFixed(0)} ms > one segment (${segmentSeconds} s): viewers would stall`);
    if (edgeRps < 0.85 * offered) reasons.push(`edge answered ${edgeRps.toFixed(0)} req/s of the ${offered.toFixed(0)} the viewers need: they fall behind`);
    const busiest = Object.entries(w.cpu).filter(([k, v]) => Number.isFinite(v) && !k.startsWith('others')).sort((a, b) => b[1] - a[1])[0]!;
    const others = w.cpu['others (not this bench)'] ?? 0;
    return {
      samples, wall, byType, errors, edgeRps, predicted, saturated: reasons.length > 0,
      reason: reasons.length > 0 ? `${reasons.join('; ')}; busiest process: ${busiest[0]} at ${(busiest[1] * 100).toFixed(0)} % of a core; other jobs on the machine used ${others.toFixed(2)} of its 2 cores (load average ${w.load1.toFixed(1)})` : '',
      busiest,
    };
  }
  function tierCounts(entries: AccessEntry[], wall: number) {
    const count = (k: string) => entries.filter((e) => e.kind === k).length / wall;
    return { total: entries.length / wall, manifest: count('manifest'), playlist: count('playlist'), segment: count('segment'), catalogue: count('catalogue') };
  }

  // 3. Worker CPU per request type: one type at a time against workerd, CPU time / requests.
  const cpuPerType: Partial<Record<EdgeType, number>> = {};
  if (edge.workerdPid !== undefined) {
    const burst = async (type: EdgeType, count: number, make: (i: number) => Promise<Response>) => {
      const c0 = cpuSeconds(edge.workerdPid!)!;
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < count) {
          const r = await make(next++);
          await r.arrayBuffer();
        }
      }));
      cpuPerType[type] = ((cpuSeconds(edge.workerdPid!)! - c0) * 1000) / count;
    };
    const session = await fetch(probeUrl);
    const heartbeatUrl = session.headers.get('x-stream-heartbeat')!;
    const sessionMaster = parseMultivariant(await session.text(), probeUrl);
    const playlistUrl = sessionMaster.variants[0]!.uri;
    const sessionMedia = parseMediaPlaylist(await (await fetch(playlistUrl)).text(), playlistUrl);
    const segmentUrl = sessionMedia.segments[0]!.uri;
    // Reloads as the viewers send them: delta updates where the channel offers them.
    const reloadUrl = sessionMedia.canSkipUntil === undefined ? playlistUrl : `${playlistUrl}?_HLS_skip=YES`;
    await burst('segment', 2000, () => fetch(segmentUrl));
    await burst('playlist', 1000, () => fetch(reloadUrl));
    await burst('heartbeat', 1000, () => fetch(heartbeatUrl, { method: 'POST' }));
    const calib = await Promise.all(Array.from({ length: 300 }, (_, i) => signViewerToken(identity, { sub: `surge-cpu-${run}-${i}`, plan: 'premium', role: 'viewer', ttlSeconds: 600 })));
    await burst('manifest', 300, (i) => fetch(`${edge.url}/v1/play/${TITLE}/master.m3u8?token=${calib[i]}`));
  }

  // 4. Report.
  const h = analyse(hold);
  const holdWall = h.wall;
  const shieldHold = tierCounts(logs.shield.between(hold.from, hold.to), holdWall);
  const originEntries = logs.origin.between(hold.from, hold.to);
  const originHold = tierCounts(originEntries, holdWall);
  const originSegmentPaths = new Map<string, number>();
  for (const e of originEntries) if (e.kind === 'segment') originSegmentPaths.set(e.path, (originSegmentPaths.get(e.path) ?? 0) + 1);
  const shieldSegmentPaths = new Set(logs.shield.between(hold.from, hold.to).filter((e) => e.kind === 'segment').map((e) => e.path));
  const originPerSegment = originSegmentPaths.size === 0 ? 0 : [...originSegmentPaths.values()].reduce((a, b) => a + b, 0) / originSegmentPaths.size;
  const shieldPerSegment = shieldSegmentPaths.size === 0 ? 0 : shieldHold.segment * holdWall / shieldSegmentPaths.size;
  const p = h.predicted;
  const doOps = h.byType.manifest.rps + reloadRenewalsPerSecond(port.samples, hold.from, hold.to, RENEWAL_REUSE_SECONDS * 1000) + h.byType.heartbeat.rps + h.byType.license.rps + EDGES / 2;
  // Held: no error, every viewer still playing, and not saturated (segment p99 within a segment duration,
  // the edge answering at least 85 % of what the viewers need): a crowd that plays on but stalls is not held.
  // The window judged saturated as it ended is not held, even if answers that arrived after it (counted
  // here by when they were asked) bring it back under the thresholds.
  const held = windows.filter((w) => w !== saturation?.window && analyse(w).errors === 0 && w.activeAtEnd === w.viewers && !analyse(w).saturated).reduce((a, w) => Math.max(a, w.viewers), 0);
  const r3 = (v: number) => Number(v.toFixed(3));
  const off = (measured: number, predicted: number) => (predicted === 0 ? (measured === 0 ? 0 : 100) : Math.abs(measured / predicted - 1) * 100);
  const metrics: BenchMetric[] = [
    { name: 'viewers_held', value: held, unit: 'viewers', target: '>= 2000' },
    { name: 'hold_viewers', value: hold.viewers, unit: 'viewers' },
    { name: 'hold_viewers_still_playing', value: hold.activeAtEnd, unit: 'viewers' },
    { name: 'hold_error_rate', value: r3(h.errors / Math.max(1, h.samples.length)), unit: 'ratio', target: '<= 0' },
    { name: 'hold_edge_rps', value: r3(h.edgeRps), unit: 'req/s' },
    { name: 'hold_edge_rps_planned', value: r3(p.edgeTotal), unit: 'req/s' },
    { name: 'hold_edge_rps_vs_plan_off_pct', value: r3(off(h.edgeRps, p.edgeTotal)), unit: '%', target: '<= 15' },
  ];
  for (const t of EDGE_TYPES) {
    if (h.byType[t].rps === 0 && p.edge[t] === 0) continue;
    metrics.push({ name: `hold_${t}_rps`, value: r3(h.byType[t].rps), unit: 'req/s' });
    metrics.push({ name: `hold_${t}_rps_planned`, value: r3(p.edge[t]), unit: 'req/s' });
    if (t === 'segment' || t === 'heartbeat' || (t === 'playlist' && live)) {
      metrics.push({ name: `hold_${t}_rps_vs_plan_off_pct`, value: r3(off(h.byType[t].rps, p.edge[t])), unit: '%', target: '<= 15' });
    }
    if (h.byType[t].rps > 0) {
      metrics.push({ name: `hold_${t}_p50_ms`, value: r3(h.byType[t].p50), unit: 'ms' });
      metrics.push({ name: `hold_${t}_p99_ms`, value: r3(h.byType[t].p99), unit: 'ms' });
    }
  }
  metrics.push(
    { name: 'hold_edge_egress_mbps', value: r3((h.samples.reduce((a, x) => a + x.bytes, 0) * 8) / holdWall / 1e6), unit: 'Mbit/s' },
    { name: 'hold_edge_egress_mbps_planned', value: r3(Object.values(p.bandwidthBps.pathways).reduce((a, b) => a + b, 0) / 1e6), unit: 'Mbit/s' },
    { name: 'hold_shield_rps', value: r3(shieldHold.total), unit: 'req/s' },
    { name: 'hold_shield_rps_planned', value: r3(p.shield.total), unit: 'req/s' },
    { name: 'hold_shield_segment_rps', value: r3(shieldHold.segment), unit: 'req/s' },
    { name: 'hold_shield_segment_rps_planned', value: r3(p.shield.segment), unit: 'req/s' },
    { name: 'hold_shield_playlist_rps', value: r3(shieldHold.playlist), unit: 'req/s' },
    { name: 'hold_shield_playlist_rps_planned', value: r3(p.shield.playlist), unit: 'req/s' },
    { name: 'shield_requests_per_new_segment_per_rendition', value: r3(shieldPerSegment), unit: 'req' },
    { name: 'shield_requests_per_new_segment_per_rendition_planned', value: r3(p.shieldPerNewSegmentPerRendition), unit: 'req' },
    { name: 'hold_origin_rps', value: r3(originHold.total), unit: 'req/s' },
    { name: 'hold_origin_rps_planned', value: r3(p.origin.total), unit: 'req/s' },
    { name: 'origin_requests_per_new_segment_per_rendition', value: r3(originPerSegment), unit: 'req', target: '<= 1' },
    { name: 'do_ops_per_s', value: r3(doOps), unit: 'op/s' },
    { name: 'do_ops_per_s_planned', value: r3(p.durableObjects.total), unit: 'op/s' },
    { name: 'do_ops_vs_plan_off_pct', value: r3(off(doOps, p.durableObjects.total)), unit: '%', target: '<= 15' },
    ...Object.entries(hold.cpu).map(([k, v]) => ({ name: `hold_cpu_cores_${k.split(' ')[0]}`, value: r3(v), unit: 'cores' })),
    { name: 'saturation_viewers', value: saturation ? saturation.window.viewers : 0, unit: 'viewers' },
    ...EDGE_TYPES.filter((t) => cpuPerType[t] !== undefined).map((t) => ({ name: `worker_cpu_ms_${t}`, value: r3(cpuPerType[t]!), unit: 'ms/req' })),
  );

  // Per second, for the chart.
  const t0 = port.samples[0]?.at ?? Date.now();
  const end = port.samples.at(-1)?.at ?? t0;
  const seconds: SurgeSecond[] = [];
  const starts = port.samples.filter((s) => s.type === 'manifest').map((s) => s.at).sort((a, b) => a - b);
  for (let t = t0; t < end; t += 1000) {
    const inS = port.samples.filter((s) => s.at >= t && s.at < t + 1000);
    seconds.push({
      t: (t - t0) / 1000,
      viewers: starts.filter((s) => s < t + 1000).length,
      edge: inS.length,
      shield: logs.shield.between(t, t + 1000).length,
      origin: logs.origin.between(t, t + 1000).length,
      errors: inS.filter((s) => !s.ok).length,
      p99: Object.fromEntries(EDGE_TYPES.map((ty) => [ty, quantile(inS.filter((s) => s.type === ty).map((s) => s.ms), 0.99)])) as Record<EdgeType, number>,
    });
  }
  const dir = process.env.BENCH_RESULTS_DIR ?? join(repoRoot, 'bench-results');
  mkdirSync(dir, { recursive: true });
  // Every request the viewers made, one JSON line each, for a closer look (not part of the report).
  writeFileSync(join(dir, 'surge-requests.jsonl'), port.samples.map((x) => JSON.stringify({ ...x, at: x.at - t0 })).join('\n') + '\n');
  writeFileSync(join(dir, 'surge.svg'), surgeChart(seconds, `bench:surge: ${TITLE} (${live ? 'live' : 'VOD'}), edge on workerd, 2 cores`));
  writeBenchReport('surge', metrics, {
    title: `${TITLE} (${live ? 'live channel' : 'VOD title: playlists are not reloaded, so the live-only figures do not apply'})`,
    stack: `origin + shield as Node services (LOG_LEVEL=info), edge Worker on workerd via miniflare (no wrangler dev proxy) in ${EDGES} process(es), one isolate each, viewers spread over them by account; loopback`,
    viewers: `the k6 scenarios' viewer model (k6/src/viewer/run-viewer.ts), one async loop per viewer, in this Node process; heartbeat every ${HEARTBEAT_S} s`,
    schedule: `ramp to ${HOLD} over ${RAMP_S} s, ${settledAfter} s for the rungs to settle (under 0.5 % of sessions changing rung over two segments, at most ${MAX_SETTLE_S} s), hold ${HOLD_S} s (at least the first ${SETTLE_S} s of each window not measured; a window measures whole heartbeat intervals when it is long enough), then +${STEP} every ${STEP_S} s up to ${MAX}`,
    channel: `live-demo shaped by --segment-seconds ${SEGMENT_S} and --ladder ${LADDER}, ${LOW_LATENCY ? 'LL-HLS (--low-latency)' : 'standard latency (no LL-HLS parts), delta updates'} (the planner is given the same segment duration)`,
    reloads: 'the viewers ask for playlist delta updates (_HLS_skip=YES) where the channel offers them, as hls.js does',
    saturation: saturation ? `${saturation.window.viewers} viewers: ${saturation.reason}` : `none up to ${windows.at(-1)!.viewers} viewers (--max ${MAX})`,
    viewer_outcomes: [...outcomes].map(([k, n]) => `${k}: ${n}`).join(', ') || 'every viewer played until the bench ended it',
    windows: windows.map((w) => { const a = analyse(w); return `${w.label}: ${w.viewers} viewers (${w.activeAtEnd} playing), ${a.edgeRps.toFixed(0)} req/s (plan ${a.predicted.edgeTotal.toFixed(0)}), errors ${a.errors}, segment p99 ${a.byType.segment.p99.toFixed(0)} ms, cpu ${Object.entries(w.cpu).map(([k, v]) => `${k.split(' ')[0]} ${v.toFixed(2)}`).join(' ')}, load ${w.load1.toFixed(1)}, SYNs dropped at full accept queues ${w.listenOverflows}`; }).join(' | '),
    do_ops: 'derived from the edge answers: every manifest (acquire), heartbeat, stop and license is one StreamLimiter RPC, and a media-playlist reload is one when it comes at least STREAM_RENEWAL_REUSE_SECONDS after the session\'s last renewal (the edge\'s rule replayed on the request times); plus each isolate reading RevocationList every 2 s',
    planner: `planInstant() for the same viewers, 1 PoP of ${EDGES} isolate(s) with a cache each (edgeCacheSharedByIsolates false),` + ' the title\'s ladder with each viewer\'s rung at the window\'s end and each rung\'s AVERAGE-BANDWIDTH less audio, its segment and target durations, the playlist max-age of the shield\'s answer, delta updates as the viewers ask for them, no churn; Cache API miss window 0.05 s (planner default)',
    planner_scenario: JSON.stringify((({ timeline, ladder, audioBitrateBps, playlistTtlSeconds: ttl, deltaUpdates, playlistBytes: bytes, segmentSeconds: seg, reloadSeconds, minIsolatesPerPop }) => ({ timeline, ladder, audioBitrateBps, playlistTtlSeconds: ttl, deltaUpdates, playlistBytes: bytes, segmentSeconds: seg, reloadSeconds, minIsolatesPerPop }))(scenarioFor(hold))),
    worker_cpu: 'workerd CPU time over a burst of one request type (16 in flight) / requests: includes workerd\'s HTTP handling',
    chart: join(dir, 'surge.svg'),
    errors: (() => { const by = new Map<string, number>(); for (const x of port.samples) if (!x.ok) by.set(`${x.type} ${x.status}`, (by.get(`${x.type} ${x.status}`) ?? 0) + 1); return [...by].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'; })(),
    max_height: MAX_HEIGHT ?? 'none (ABR free)',
    tier_statuses: (['shield', 'origin'] as const).map((tier) => {
      const by = new Map<number, number>();
      for (const e of logs[tier].entries) by.set(e.status, (by.get(e.status) ?? 0) + 1);
      return `${tier}: ${[...by].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}×${n}`).join(' ')}`;
    }).join('; '),
  });
} finally {
  port.end();
  await port.close().catch(() => {});
  await Promise.all(edgeDisposers.map((dispose) => dispose().catch(() => {})));
  for (const child of children) child.kill('SIGTERM');
}

/** The play session of a /v1/media/{token}/… URL: the sid in its session token's payload. */
function sessionOf(url: string): string | undefined {
  const token = /\/v1\/media\/([A-Za-z0-9_-]+)\./.exec(url)?.[1];
  if (token === undefined) return undefined;
  try {
    return (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { sid?: string }).sid;
  } catch {
    return undefined;
  }
}

/**
 * The edge's renewal rule (edge/src/streams/stream-leases.ts) replayed on the viewers' request start
 * times: a reload renews when it comes at least `windowMs` after the session's last renewal, a
 * heartbeat always renews. Returns the reload renewals per second within [from, to).
 */
function reloadRenewalsPerSecond(samples: Sample[], from: number, to: number, windowMs: number): number {
  const lastRenewal = new Map<string, number>();
  let renewals = 0;
  for (const x of [...samples].filter((x) => x.type === 'playlist' || x.type === 'heartbeat').sort((a, b) => a.at - b.at)) {
    const sid = sessionOf(x.url);
    if (sid === undefined) continue;
    const last = lastRenewal.get(sid);
    if (x.type === 'heartbeat' || windowMs === 0 || last === undefined || x.at - last >= windowMs) {
      lastRenewal.set(sid, x.at);
      if (x.type === 'playlist' && x.at >= from && x.at < to) renewals += 1;
    }
  }
  return renewals / ((to - from) / 1000);
}
