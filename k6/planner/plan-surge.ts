import type { SurgeScenario } from './surge-scenario.ts';
import { reloadRenewalRate } from './reload-renewal-rate.ts';

export type EdgeType = 'manifest' | 'playlist' | 'segment' | 'license' | 'heartbeat';
export const EDGE_TYPES: EdgeType[] = ['manifest', 'playlist', 'segment', 'license', 'heartbeat'];

/** Worker CPU per request, milliseconds, with where each number comes from. */
export interface RequestCosts {
  cpuMs: Record<EdgeType, number>;
  provenance: string;
}

export interface PlanSample {
  t: number;
  viewers: number;
  newSessionsPerSecond: number;
  edge: Record<EdgeType, number>;
  edgeTotal: number;
  isolates: number;
  workerCpuSecondsPerSecond: number;
  shield: { manifest: number; playlist: number; segment: number; catalogue: number; total: number };
  origin: { manifest: number; playlist: number; segment: number; catalogue: number; total: number };
  /** Origin fetches per new segment per rendition (the shield's collapsing: 1 is perfect). */
  originPerNewSegmentPerRendition: number;
  /** Shield requests per new segment per rendition, summed over PoPs. */
  shieldPerNewSegmentPerRendition: number;
  bandwidthBps: { pathways: Record<string, number>; shieldEgress: number; originEgress: number };
  durableObjects: { streamLimiterOps: number; revocationReads: number; total: number; busiestStreamLimiter: number; busiestRevocationList: number };
  /** Isolates looking the revocation snapshot up in their PoP's Cache API entry (not object reads). */
  revocationPopLookups: number;
  licenseCalls: number;
  adServerCalls: number;
  /** load / capacity per tier (1 = saturated). */
  utilization: Record<string, number>;
}

export interface TierSummary {
  tier: string;
  unit: string;
  peak: number;
  capacity: number | null;
  peakUtilization: number | null;
  /** capacity / peak: how many times the peak the tier can take (null: no capacity set). */
  headroom: number | null;
  saturatesAt: number | null;
  provenance: string;
}

export interface SurgePlan {
  samples: PlanSample[];
  tiers: TierSummary[];
  /** The first tier to pass its capacity, or, when none does, the one closest to it. */
  bottleneck: { tier: string; saturates: boolean; at: number | null; utilization: number };
  costs: RequestCosts;
  /** A revocation is in force in every isolate within this many seconds of its write. */
  revocationBoundSeconds: number;
}

/**
 * Reads of the one global RevocationList object per second. With the PoP cache, each PoP refreshes its
 * shared entry once per cycle: the entry is fresh for (1 − f)·TTL for everyone, then the isolates' own
 * refresh points (uniform over the last f·TTL) pass one by one, and the first lookup by an isolate past
 * its point refreshes (mean wait ≈ √(π·f·TTL / 2L) for L lookups/s in a busy PoP, 1/L with f = 0). Other
 * eligible isolates that look before its claim is visible also read: L · (eligible share) · race.
 */
export function revocationReadsPerSecond(s: SurgeScenario, isolates: number): number {
  const direct = isolates / s.revocationCacheSeconds;
  if (s.revocationPopCacheSeconds === 0) return direct;
  const ttl = s.revocationPopCacheSeconds;
  const lookups = isolates / s.pops / s.revocationCacheSeconds;
  const window = s.revocationEarlyRefreshShare * ttl;
  // Eligible lookups arrive at L·s/W for s ≤ W, then at L: P(none by s) = e^(−L·s²/2W), then e^(−L·W/2 − L·(s−W)).
  const wait = window > 0
    ? Math.sqrt((Math.PI * window) / (2 * lookups)) * erf(Math.sqrt((lookups * window) / 2)) + Math.exp((-lookups * window) / 2) / lookups
    : 1 / lookups;
  const eligible = window > 0 ? Math.min(1, wait / window) : 1;
  const perPop = (1 + lookups * eligible * s.cachePutVisibleSeconds) / (ttl - window + wait);
  return Math.min(direct, s.pops * perPop);
}

/** Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7); Math has no erf. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/** Seconds from a revocation's write until every isolate refuses: PoP TTL + claim + isolate reuse. */
export function revocationBoundSeconds(s: SurgeScenario): number {
  return s.revocationPopCacheSeconds === 0 ? s.revocationCacheSeconds : s.revocationPopCacheSeconds + s.revocationClaimSeconds + s.revocationCacheSeconds;
}

/** Viewers at time t, linear between timeline points, flat outside. */
export function viewersAt(timeline: Array<[number, number]>, t: number): number {
  const first = timeline[0]!;
  if (t <= first[0]) return first[1];
  for (let i = 1; i < timeline.length; i++) {
    const [t1, v1] = timeline[i]!;
    const [t0, v0] = timeline[i - 1]!;
    if (t <= t1) return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
  }
  return timeline.at(-1)![1];
}

function slopeAt(timeline: Array<[number, number]>, t: number): number {
  for (let i = 1; i < timeline.length; i++) {
    const [t1, v1] = timeline[i]!;
    const [t0, v0] = timeline[i - 1]!;
    if (t >= t0 && t < t1) return (v1 - v0) / (t1 - t0);
  }
  return 0;
}

/** Chance that at least one of `n` viewers (Poisson) in a PoP watches an object. */
const presence = (n: number) => 1 - Math.exp(-n);

/** A rung's mean rate (AVERAGE-BANDWIDTH), else its peak: egress over many segments and viewers follows the mean. */
const meanBitrate = (r: SurgeScenario['ladder'][number]) => r.averageBitrateBps ?? r.bitrateBps;

/** How long an isolate trusts a title's ladder before re-reading the multivariant playlist (edge/src/steering/surge-cap.ts). */
export const LADDER_SECONDS = 60;

/**
 * Fetches per second from a cache that keeps an object `ttl` seconds and refreshes it on the first
 * request after that, for Poisson requests at `rate`/s: a cycle is the freshness plus the mean wait for
 * the next request (plus `fetchSeconds` when the freshness counts from the answer's arrival).
 */
export function ttlCacheFetches(rate: number, ttl: number, fetchSeconds = 0): number {
  return rate <= 0 ? 0 : rate / (1 + rate * (ttl + fetchSeconds));
}

/**
 * Shield requests for one new segment from one edge cache domain with `viewers` of its rendition. Each
 * isolate collapses its own concurrent misses (hot-objects.ts). An isolate with a cache of its own fetches
 * the segment once if any of its viewers asks; a PoP whose isolates share the Cache API, which does not
 * collapse, sends one miss plus one per other isolate asked within the miss window.
 */
export function edgeSegmentMisses(s: SurgeScenario, viewers: number, isolatesPerPop: number): number {
  if (!s.edgeCacheSharedByIsolates) return presence(viewers);
  const rate = viewers / s.segmentSeconds;
  return presence(viewers) * Math.min(isolatesPerPop, 1 + rate * s.edgeMissWindowSeconds);
}

/**
 * Edge requests per second for each playlist object of a rendition watched by `viewers`, of which
 * `starts` per second start a session. With delta updates a session's first load asks for the whole
 * playlist and every later reload for the delta, which the edge and the shield key apart
 * (hls-delivery-directives.ts, blocking-reload-query.ts); without them every reload is the same object.
 */
export function playlistObjects(s: SurgeScenario, viewers: number, starts: number): number[] {
  const reloads = viewers / s.reloadSeconds;
  if (!s.deltaUpdates) return [reloads];
  const whole = Math.min(reloads, starts);
  return [whole, reloads - whole];
}

/**
 * One playlist object requested at `rate`/s in each of `domains` edge cache domains: what the edge asks
 * the shield and what the shield asks the origin, per second.
 *
 * Edge: a domain holds the playlist for playlistTtlSeconds from when the shield's answer arrives and
 * refetches it at the first request after that. In a PoP sharing the Cache API, another isolate misses
 * too when its own copy went stale within the miss window after the PoP's copy did: an isolate keeps what
 * it read from the Cache API a full TTL from then (the Cache API answers with the headers stored at put,
 * so freshUntil sees Age 0), so the isolates' copies go stale at spread phases over a refresh cycle,
 * unlike a new segment, which every isolate asked in the window misses.
 *
 * Shield: it keeps the playlist min(max-age, half a target duration) from when the origin answered, and
 * refreshes it at the first request after that. When both keep it equally long, the domain whose request
 * refreshed the shield holds a copy that goes stale together with the shield's and asks again after its
 * own wait (1/rate) and round trip; the other domains' requests reach the shield at random phases
 * (Poisson): the shield's wait is the first of the two. With one domain the shield refreshes on every
 * edge fetch; with many, at the first of their requests.
 */
export function playlistFlows(s: SurgeScenario, rate: number, domains: number, isolatesPerPop: number): { shield: number; origin: number } {
  if (rate <= 0) return { shield: 0, origin: 0 };
  const edgeTtl = s.playlistTtlSeconds;
  const window = s.edgeMissWindowSeconds;
  const perDomain = ttlCacheFetches(rate, edgeTtl, window);
  const cycle = edgeTtl + window + 1 / rate;
  const uncollapsed = s.edgeCacheSharedByIsolates ? 1 + Math.min(((isolatesPerPop - 1) * window) / cycle, rate * window) : 1;
  const shield = domains * perDomain * uncollapsed;
  const shieldTtl = Math.min(edgeTtl, s.reloadSeconds / 2);
  // The refresher comes back this long after the shield's copy went stale.
  const refresherBack = edgeTtl - shieldTtl + 1 / rate + window;
  const others = shield - perDomain * uncollapsed;
  const wait = others > 1e-12 ? (1 - Math.exp(-others * refresherBack)) / others : refresherBack;
  return { shield, origin: Math.min(shield, 1 / (shieldTtl + wait)) };
}

/** Everything per second at one instant, for `viewers` viewers growing by `growthPerSecond`. */
export function planInstant(s: SurgeScenario, costs: RequestCosts, t: number, viewers: number, growthPerSecond: number): PlanSample {
  const tracks = 1 + s.audioTracks;
  const churn = viewers / s.meanSessionSeconds;
  const newSessions = Math.max(0, growthPerSecond) + churn;
  const endedSessions = Math.max(0, -growthPerSecond) + churn;
  const edge: Record<EdgeType, number> = {
    manifest: newSessions,
    license: newSessions * s.encryptedShare,
    playlist: (viewers * tracks) / s.reloadSeconds,
    segment: (viewers * tracks) / s.segmentSeconds,
    // Heartbeats, and the stop call of every session that ends (the k6 viewer tags it heartbeat too).
    heartbeat: (s.heartbeatSeconds > 0 ? viewers / s.heartbeatSeconds : 0) + endedSessions,
  };
  const edgeTotal = EDGE_TYPES.reduce((a, k) => a + edge[k], 0);
  const isolates = Math.max(s.pops * s.minIsolatesPerPop, edgeTotal / s.rpsPerIsolate);
  const workerCpu = EDGE_TYPES.reduce((a, k) => a + (edge[k] * costs.cpuMs[k]) / 1000, 0);

  // Objects a viewer fetches: its video rung and each audio track, with their share of the viewers and
  // their mean rate (egress over many segments and viewers follows the mean, not a rung's peak).
  const objects = [
    ...s.ladder.map((r) => ({ share: r.share, bitrate: meanBitrate(r) })),
    ...Array.from({ length: s.audioTracks }, () => ({ share: 1, bitrate: s.audioBitrateBps })),
  ];
  const isolatesPerPop = Math.max(1, isolates / s.pops);
  // Where an object is cached at the edge: the PoP's Cache API shared by its isolates, or each isolate's
  // own cache (edgeCacheSharedByIsolates).
  const domains = s.edgeCacheSharedByIsolates ? s.pops : s.pops * isolatesPerPop;
  let shieldSegmentsPerNew = 0; // shield requests per new segment, all objects, all domains
  let shieldPlaylists = 0;
  let originPlaylists = 0;
  let shieldEgress = 0;
  let renditionsWatched = 0;
  let originEgress = 0; // one copy of every watched object leaves the origin
  for (const o of objects) {
    const perDomain = (viewers * o.share) / domains;
    const segments = edgeSegmentMisses(s, perDomain, isolatesPerPop);
    shieldSegmentsPerNew += domains * segments;
    // Each miss carries a whole segment: its mean rate over the segment's duration.
    shieldEgress += domains * segments * o.bitrate;
    for (const playlist of playlistObjects(s, viewers * o.share, newSessions * o.share)) {
      const flows = playlistFlows(s, playlist / domains, domains, isolatesPerPop);
      shieldPlaylists += flows.shield;
      originPlaylists += flows.origin;
    }
    const watchedHere = presence(viewers * o.share);
    renditionsWatched += watchedHere;
    originEgress += o.bitrate * watchedHere;
  }
  const watched = viewers > 0 ? renditionsWatched : 0;
  // The multivariant playlist: the play route fetches it from the shield on every session start
  // (edge/src/routes/play.ts), and each isolate re-reads it for its surge-cap ladder once a minute
  // (edge/src/steering/surge-cap.ts, LADDER_SECONDS). A live one carries no target duration, so the shield
  // keeps it the origin's max-age (playlistTtlSeconds), refreshed by the first request after that.
  const masterRequests = viewers > 0 ? newSessions + isolates / LADDER_SECONDS : 0;
  const shield = {
    manifest: masterRequests,
    playlist: shieldPlaylists,
    segment: shieldSegmentsPerNew / s.segmentSeconds,
    catalogue: isolates / s.catalogueTtlSeconds,
    total: 0,
  };
  shield.total = shield.manifest + shield.playlist + shield.segment + shield.catalogue;
  const origin = {
    manifest: ttlCacheFetches(masterRequests, s.playlistTtlSeconds),
    playlist: originPlaylists,
    // The shield collapses all concurrent misses for a segment into one origin fetch.
    segment: watched / s.segmentSeconds,
    // The origin marks catalogue reads no-cache: the shield keeps none (shield/src/cache-policy.ts) and
    // only collapses those that arrive while one is in flight, a cache whose entries live one fetch.
    catalogue: viewers > 0 ? ttlCacheFetches(shield.catalogue, 0, s.originFetchSeconds) : 0,
    total: 0,
  };
  origin.total = origin.manifest + origin.playlist + origin.segment + origin.catalogue;

  const pathways: Record<string, number> = {};
  const perViewerBps = s.ladder.reduce((a, r) => a + r.share * meanBitrate(r), 0) + s.audioTracks * s.audioBitrateBps;
  // Playlist answers are bytes too: every reload carries the session token in each URI.
  const playlistBps = edge.playlist * s.playlistBytes * 8;
  for (const p of s.pathways) pathways[p.name] = p.share * (viewers * perViewerBps + playlistBps);

  // StreamLimiter (one object per account): acquire on a session start, renew on media-playlist reloads
  // (at most once per reuse window per viewer, README "Stream limits") and every heartbeat, release on
  // stop, lease check on a license.
  const renewalsPerViewer = s.renewalReuseSeconds > 0 ? reloadRenewalRate(s.reloadSeconds, s.renewalReuseSeconds, s.heartbeatSeconds) : tracks / s.reloadSeconds;
  const streamLimiterOps = edge.manifest + Math.min(edge.playlist, viewers * renewalsPerViewer) + edge.heartbeat + edge.license;
  const busiestStreamLimiter = s.maxStreamsPerAccount * (renewalsPerViewer + (s.heartbeatSeconds > 0 ? 1 / s.heartbeatSeconds : 0));
  // RevocationList is one global object; the isolates of a PoP share one read of it (README "Revocation").
  const revocationReads = revocationReadsPerSecond(s, isolates);
  const inAdWindow = s.adBreaks.some((b) => t >= b.at - s.adDecisionWindowSeconds && t < b.at);
  const adServerCalls = inAdWindow ? (viewers * s.adSupportedShare) / s.adDecisionWindowSeconds : 0;

  const c = s.capacities;
  const utilization: Record<string, number> = {
    'shield req/s': shield.total / c.shieldRps.value,
    'shield egress': shieldEgress / c.shieldEgressBps.value,
    'origin req/s': origin.total / c.originRps.value,
    'origin egress': originEgress / c.originEgressBps.value,
    'RevocationList (one DO)': revocationReads / c.durableObjectRps.value,
    'StreamLimiter (busiest DO)': busiestStreamLimiter / c.durableObjectRps.value,
    'ad server': adServerCalls / c.adServerRps.value,
    ...Object.fromEntries(s.pathways.map((p) => [`CDN ${p.name} egress`, pathways[p.name]! / p.capacityBps])),
    ...(c.edgeCpuSecondsPerSecond ? { 'Worker CPU': workerCpu / c.edgeCpuSecondsPerSecond.value } : {}),
  };
  const renditions = objects.length;
  return {
    t, viewers, newSessionsPerSecond: newSessions, edge, edgeTotal, isolates, workerCpuSecondsPerSecond: workerCpu,
    shield, origin,
    originPerNewSegmentPerRendition: watched > 0 ? watched / renditions : 0,
    shieldPerNewSegmentPerRendition: shieldSegmentsPerNew / renditions,
    bandwidthBps: { pathways, shieldEgress, originEgress },
    durableObjects: {
      streamLimiterOps, revocationReads, total: streamLimiterOps + revocationReads,
      busiestStreamLimiter, busiestRevocationList: revocationReads,
    },
    revocationPopLookups: s.revocationPopCacheSeconds === 0 ? 0 : isolates / s.revocationCacheSeconds,
    licenseCalls: edge.license,
    adServerCalls,
    utilization,
  };
}

function tierMeta(s: SurgeScenario, tier: string): { unit: string; capacity: number | null; provenance: string; load: (p: PlanSample) => number } {
  const c = s.capacities;
  const pathway = /^CDN (.+) egress$/.exec(tier)?.[1];
  if (pathway !== undefined) {
    const p = s.pathways.find((x) => x.name === pathway)!;
    return { unit: 'bit/s', capacity: p.capacityBps, provenance: 'scenario: committed CDN egress', load: (x) => x.bandwidthBps.pathways[pathway]! };
  }
  switch (tier) {
    case 'shield req/s': return { unit: 'req/s', capacity: c.shieldRps.value, provenance: c.shieldRps.provenance, load: (x) => x.shield.total };
    case 'shield egress': return { unit: 'bit/s', capacity: c.shieldEgressBps.value, provenance: c.shieldEgressBps.provenance, load: (x) => x.bandwidthBps.shieldEgress };
    case 'origin req/s': return { unit: 'req/s', capacity: c.originRps.value, provenance: c.originRps.provenance, load: (x) => x.origin.total };
    case 'origin egress': return { unit: 'bit/s', capacity: c.originEgressBps.value, provenance: c.originEgressBps.provenance, load: (x) => x.bandwidthBps.originEgress };
    case 'RevocationList (one DO)': return { unit: 'req/s', capacity: c.durableObjectRps.value, provenance: c.durableObjectRps.provenance, load: (x) => x.durableObjects.busiestRevocationList };
    case 'StreamLimiter (busiest DO)': return { unit: 'req/s', capacity: c.durableObjectRps.value, provenance: c.durableObjectRps.provenance, load: (x) => x.durableObjects.busiestStreamLimiter };
    case 'ad server': return { unit: 'req/s', capacity: c.adServerRps.value, provenance: c.adServerRps.provenance, load: (x) => x.adServerCalls };
    case 'Worker CPU': return { unit: 'CPU-s/s', capacity: c.edgeCpuSecondsPerSecond?.value ?? null, provenance: c.edgeCpuSecondsPerSecond?.provenance ?? '', load: (x) => x.workerCpuSecondsPerSecond };
    default: throw new RangeError(`unknown tier ${tier}`);
  }
}

/** The plan over the whole timeline, one sample per `stepSeconds`. */
export function planSurge(s: SurgeScenario, costs: RequestCosts): SurgePlan {
  const end = s.timeline.at(-1)![0];
  const samples: PlanSample[] = [];
  for (let t = 0; t <= end + 1e-9; t += s.stepSeconds) {
    samples.push(planInstant(s, costs, t, viewersAt(s.timeline, t), slopeAt(s.timeline, t)));
  }
  const tiers: TierSummary[] = Object.keys(samples[0]!.utilization).map((tier) => {
    const meta = tierMeta(s, tier);
    const peak = Math.max(...samples.map(meta.load));
    const saturated = samples.find((x) => (x.utilization[tier] ?? 0) >= 1);
    return {
      tier, unit: meta.unit, peak, capacity: meta.capacity,
      peakUtilization: meta.capacity === null ? null : peak / meta.capacity,
      headroom: meta.capacity === null || peak === 0 ? null : meta.capacity / peak,
      saturatesAt: saturated ? saturated.t : null,
      provenance: meta.provenance,
    };
  });
  const saturating = tiers.filter((x) => x.saturatesAt !== null).sort((a, b) => a.saturatesAt! - b.saturatesAt! || b.peakUtilization! - a.peakUtilization!);
  const closest = [...tiers].filter((x) => x.peakUtilization !== null).sort((a, b) => b.peakUtilization! - a.peakUtilization!)[0]!;
  const first = saturating[0];
  const bottleneck = first
    ? { tier: first.tier, saturates: true, at: first.saturatesAt, utilization: first.peakUtilization! }
    : { tier: closest.tier, saturates: false, at: null, utilization: closest.peakUtilization! };
  return { samples, tiers, bottleneck, costs, revocationBoundSeconds: revocationBoundSeconds(s) };
}
