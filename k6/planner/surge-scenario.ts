/**
 * What the planner is asked: a crowd over time and how the platform serves it. Every field has a
 * default for an IPL-final-like evening; a scenario file (JSON) overrides any of them. Capacities
 * carry where their number comes from (`provenance`), because a plan is only as good as its limits.
 */
export interface Rung {
  name: string;
  height: number;
  /** The rung's peak video rate, bit/s: its variant's BANDWIDTH less the audio (a peak segment rate). */
  bitrateBps: number;
  /**
   * The rung's mean video rate, bit/s: its AVERAGE-BANDWIDTH less the audio (the encoder's target rate).
   * Egress over many viewers and many segments follows the mean, not the peak; defaults to bitrateBps
   * (budgeting at the peak) when a ladder does not say.
   */
  averageBitrateBps?: number;
  /** Share of viewers on this rung (the shares add up to 1). */
  share: number;
}

export interface Pathway {
  name: string;
  /** Share of viewers steered to this CDN. */
  share: number;
  /** Committed egress of this CDN for the event, bits/s. */
  capacityBps: number;
}

export interface AdBreak {
  /** Seconds from the start of the event. */
  at: number;
  durationSeconds: number;
}

export interface Capacity {
  value: number;
  provenance: string;
}

export interface SurgeScenario {
  /** Concurrent viewers over time: points (seconds, viewers), linear in between. */
  timeline: Array<[number, number]>;
  /** Resolution of the plan, seconds. */
  stepSeconds: number;
  segmentSeconds: number;
  /** Live playlists are reloaded every target duration (= segment duration here). */
  reloadSeconds: number;
  /**
   * The max-age the origin gives a live media playlist (origin/src/routes/live-media-route.ts: 1 s). The
   * shield keeps it that long but at most half a target duration (shield/src/cache-policy.ts) and passes
   * the origin's max-age on with an Age of whole seconds (0 within its first second), so the edge keeps
   * it this long (edge/src/upstream/hot-objects.ts freshUntil) from when its answer arrives.
   */
  playlistTtlSeconds: number;
  /**
   * Players reload with delta updates (`_HLS_skip=YES`, as hls.js does where the playlist offers
   * CAN-SKIP-UNTIL; our origin does): a rendition is then two playlist objects at the edge and the shield
   * (both key the canonical directives), the whole playlist that a session loads first and the delta
   * that every later reload asks for.
   */
  deltaUpdates: boolean;
  /**
   * Bytes of one media-playlist answer to a viewer (a reload: the delta update when deltaUpdates), part of
   * the egress: every segment URI in it carries the session token. A standard-latency delta update of
   * live-demo is about 3 KB (README "Measured local surge").
   */
  playlistBytes: number;
  ladder: Rung[];
  audioTracks: number;
  audioBitrateBps: number;
  /** Players send the heartbeat URL this often; 0 for none. */
  heartbeatSeconds: number;
  /**
   * The edge's STREAM_RENEWAL_REUSE_SECONDS: a viewer's playlist reloads renew its lease at most once per
   * this many seconds (rounded up to whole reload intervals), on the assumption that one viewer's
   * reloads reach one isolate; 0: every reload of every track renews.
   */
  renewalReuseSeconds: number;
  /** Mean watch time: viewers leave and are replaced at viewers / this, on top of the crowd's growth. */
  meanSessionSeconds: number;
  /** Share of sessions that ask for a license (encrypted titles). */
  encryptedShare: number;
  adBreaks: AdBreak[];
  /** Share of viewers who get ads (ad tier ad-supported). */
  adSupportedShare: number;
  /** Ad decisions are fetched in this window before a break starts (the DATERANGE lead time). */
  adDecisionWindowSeconds: number;
  pathways: Pathway[];
  pops: number;
  /** Isolates of the Worker: at least this many per PoP, more as load grows (see rpsPerIsolate). */
  minIsolatesPerPop: number;
  rpsPerIsolate: number;
  /** Every isolate looks the revocation list up this often (REVOCATION_CACHE_SECONDS): in its PoP's Cache API entry. */
  revocationCacheSeconds: number;
  /**
   * The isolates of a PoP share one snapshot read from the global RevocationList object at most this
   * often (REVOCATION_POP_CACHE_SECONDS); 0: every isolate reads the object itself every revocationCacheSeconds.
   */
  revocationPopCacheSeconds: number;
  /** Each isolate refreshes the PoP entry at its own point in this last share of its TTL (edge: 0.1). */
  revocationEarlyRefreshShare: number;
  /** A stale PoP entry is claimed by the isolate that refreshes it for this long (edge: 1 s). */
  revocationClaimSeconds: number;
  /**
   * From one isolate's Cache API lookup to its claim being visible to the PoP's other isolates: a lookup
   * by another eligible isolate in this window also reads the object (the Cache API does not collapse).
   */
  cachePutVisibleSeconds: number;
  /** Every isolate reads a title's catalogue entry through the shield this often (CATALOGUE_TTL_SECONDS). */
  catalogueTtlSeconds: number;
  /**
   * Workers Cache API does not collapse concurrent misses, so every request for a new object in one
   * PoP misses until the first answer is stored: this window, seconds (shield round trip + transfer).
   * Each isolate collapses its own (hot-objects.ts), so a PoP sends at most one miss per isolate. The
   * same round trip lengthens every playlist refresh: an isolate's copy is fresh from when the answer
   * arrives, not from the request that found the old one stale.
   */
  edgeMissWindowSeconds: number;
  /**
   * Whether the isolates of a PoP share one edge cache (Cloudflare: the Cache API is per data center, so
   * an isolate whose memory lacks an object finds it there when another isolate fetched it). false when
   * every isolate has a cache of its own (the surge bench: one workerd process per isolate, each with its
   * own Cache API): every isolate then fetches every object it is asked for from the shield itself.
   */
  edgeCacheSharedByIsolates: boolean;
  /**
   * One shield-to-origin fetch, request to last byte, seconds: the shield collapses concurrent misses for a
   * key into one fetch (collapsing-fetcher.ts), which is all it does for what it may not keep (catalogue
   * reads, which the origin marks no-cache).
   */
  originFetchSeconds: number;
  /** Mean concurrent streams per account (viewers / accounts); the busiest account holds maxStreamsPerAccount. */
  maxStreamsPerAccount: number;
  capacities: {
    shieldRps: Capacity;
    shieldEgressBps: Capacity;
    originRps: Capacity;
    originEgressBps: Capacity;
    durableObjectRps: Capacity;
    adServerRps: Capacity;
    /** Worker CPU-seconds per second the account may burn; null when the platform scales it without a cap. */
    edgeCpuSecondsPerSecond: Capacity | null;
  };
}

/**
 * An evening like an IPL final, scaled to `peak` concurrent viewers: the crowd builds, a wicket adds a
 * fifth of the peak within six minutes (a million a minute at 30 M), the innings break dips and carries
 * the ad breaks, the second innings climbs back to the peak.
 */
export function wicketTimeline(peak: number): Array<[number, number]> {
  const m = 60;
  return [
    [0, 0.3 * peak], [40 * m, 0.7 * peak], [50 * m, 0.8 * peak], [56 * m, peak], [80 * m, peak],
    [85 * m, 0.6 * peak], [105 * m, 0.6 * peak], [115 * m, peak], [160 * m, peak], [170 * m, 0.4 * peak],
  ];
}

const GBPS = 1e9;

export function defaultScenario(peak: number): SurgeScenario {
  return {
    timeline: wicketTimeline(peak),
    stepSeconds: 10,
    segmentSeconds: 4,
    reloadSeconds: 4,
    // Our origin's max-age for live playlists; the shield's cap (half of 4 s) is above it.
    playlistTtlSeconds: 1,
    deltaUpdates: true,
    playlistBytes: 3_000,
    // Mean rates of a typical sports ladder; peaks as our packager declares them (BANDWIDTH 1.1 × mean).
    ladder: [
      { name: '234p', height: 234, bitrateBps: 330_000, averageBitrateBps: 300_000, share: 0.15 },
      { name: '360p', height: 360, bitrateBps: 880_000, averageBitrateBps: 800_000, share: 0.25 },
      { name: '540p', height: 540, bitrateBps: 1_760_000, averageBitrateBps: 1_600_000, share: 0.3 },
      { name: '720p', height: 720, bitrateBps: 3_300_000, averageBitrateBps: 3_000_000, share: 0.2 },
      { name: '1080p', height: 1080, bitrateBps: 6_050_000, averageBitrateBps: 5_500_000, share: 0.1 },
    ],
    audioTracks: 1,
    audioBitrateBps: 128_000,
    heartbeatSeconds: 60,
    renewalReuseSeconds: 20,
    meanSessionSeconds: 45 * 60,
    encryptedShare: 1,
    adBreaks: [{ at: 87 * 60, durationSeconds: 30 }, { at: 95 * 60, durationSeconds: 30 }],
    adSupportedShare: 0.8,
    adDecisionWindowSeconds: 10,
    pathways: [
      { name: 'cdn-a', share: 0.6, capacityBps: 80_000 * GBPS },
      { name: 'cdn-b', share: 0.4, capacityBps: 50_000 * GBPS },
    ],
    pops: 330,
    minIsolatesPerPop: 4,
    rpsPerIsolate: 1000,
    revocationCacheSeconds: 1,
    revocationPopCacheSeconds: 2,
    revocationEarlyRefreshShare: 0.1,
    revocationClaimSeconds: 1,
    // Assumption: a Cache API put within one data center is visible to the others' lookups in ~20 ms.
    cachePutVisibleSeconds: 0.02,
    catalogueTtlSeconds: 5,
    edgeMissWindowSeconds: 0.05,
    edgeCacheSharedByIsolates: true,
    // Assumption: the origin in the shield's region answers a catalogue read within 20 ms.
    originFetchSeconds: 0.02,
    maxStreamsPerAccount: 4,
    capacities: {
      shieldRps: { value: 16 * 20_000, provenance: 'assumption: 16 shield nodes × 20,000 req/s each (hot hits; measure with npm run bench:shield on the real hosts)' },
      shieldEgressBps: { value: 16 * 25 * GBPS, provenance: 'assumption: 16 shield nodes × 25 Gbit/s NIC' },
      originRps: { value: 2_000, provenance: 'assumption: 2 origin nodes × 1,000 req/s of cold reads' },
      originEgressBps: { value: 20 * GBPS, provenance: 'assumption: 2 origin nodes × 10 Gbit/s' },
      durableObjectRps: {
        value: 1_000,
        provenance: 'Cloudflare docs, Durable Objects limits: "An individual Object has a soft limit of 1,000 requests per second" (developers.cloudflare.com/durable-objects/platform/limits/)',
      },
      adServerRps: { value: 250_000, provenance: 'assumption: contracted ad decision server rate; replace by the vendor’s figure' },
      edgeCpuSecondsPerSecond: null,
    },
  };
}

/** Throws a RangeError naming the field, the expected and the received value. */
export function checkScenario(s: SurgeScenario): SurgeScenario {
  const positive = (name: string, v: number) => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new RangeError(`${name}: expected a positive number, received ${JSON.stringify(v)}`);
  };
  const share = (name: string, v: number) => {
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) throw new RangeError(`${name}: expected a share from 0 to 1, received ${JSON.stringify(v)}`);
  };
  if (!Array.isArray(s.timeline) || s.timeline.length < 1) throw new RangeError(`timeline: expected at least one [seconds, viewers] point, received ${JSON.stringify(s.timeline)}`);
  s.timeline.forEach(([t, v], i) => {
    if (!(t >= 0 && v >= 0) || (i > 0 && t <= s.timeline[i - 1]![0])) throw new RangeError(`timeline[${i}]: expected increasing seconds and viewers >= 0, received ${JSON.stringify([t, v])}`);
  });
  for (const k of ['stepSeconds', 'segmentSeconds', 'reloadSeconds', 'playlistTtlSeconds', 'meanSessionSeconds', 'pops', 'rpsPerIsolate', 'revocationCacheSeconds', 'catalogueTtlSeconds', 'adDecisionWindowSeconds', 'maxStreamsPerAccount'] as const) positive(k, s[k]);
  if (!(Number.isFinite(s.renewalReuseSeconds) && s.renewalReuseSeconds >= 0)) throw new RangeError(`renewalReuseSeconds: expected seconds >= 0, received ${s.renewalReuseSeconds}`);
  if (!(s.heartbeatSeconds >= 0)) throw new RangeError(`heartbeatSeconds: expected seconds >= 0, received ${s.heartbeatSeconds}`);
  if (!(typeof s.playlistBytes === 'number' && s.playlistBytes >= 0)) throw new RangeError(`playlistBytes: expected bytes >= 0, received ${JSON.stringify(s.playlistBytes)}`);
  for (const k of ['revocationPopCacheSeconds', 'revocationClaimSeconds', 'cachePutVisibleSeconds'] as const) {
    if (!(typeof s[k] === 'number' && s[k] >= 0)) throw new RangeError(`${k}: expected seconds >= 0, received ${JSON.stringify(s[k])}`);
  }
  if (!(typeof s.revocationEarlyRefreshShare === 'number' && s.revocationEarlyRefreshShare >= 0 && s.revocationEarlyRefreshShare < 1)) {
    throw new RangeError(`revocationEarlyRefreshShare: expected a share in [0, 1), received ${JSON.stringify(s.revocationEarlyRefreshShare)}`);
  }
  if (!(typeof s.originFetchSeconds === 'number' && s.originFetchSeconds >= 0)) throw new RangeError(`originFetchSeconds: expected seconds >= 0, received ${JSON.stringify(s.originFetchSeconds)}`);
  if (!(s.edgeMissWindowSeconds >= 0)) throw new RangeError(`edgeMissWindowSeconds: expected seconds >= 0, received ${s.edgeMissWindowSeconds}`);
  if (!(Number.isInteger(s.audioTracks) && s.audioTracks >= 0)) throw new RangeError(`audioTracks: expected an integer >= 0, received ${s.audioTracks}`);
  if (!(Number.isInteger(s.minIsolatesPerPop) && s.minIsolatesPerPop >= 1)) throw new RangeError(`minIsolatesPerPop: expected an integer >= 1, received ${s.minIsolatesPerPop}`);
  share('encryptedShare', s.encryptedShare);
  share('adSupportedShare', s.adSupportedShare);
  if (s.ladder.length === 0) throw new RangeError('ladder: expected at least one rung, received none');
  s.ladder.forEach((r, i) => {
    positive(`ladder[${i}].bitrateBps`, r.bitrateBps);
    if (r.averageBitrateBps !== undefined) {
      positive(`ladder[${i}].averageBitrateBps`, r.averageBitrateBps);
      if (r.averageBitrateBps > r.bitrateBps) throw new RangeError(`ladder[${i}].averageBitrateBps: expected at most the peak bitrateBps (${r.bitrateBps}), received ${r.averageBitrateBps}`);
    }
    share(`ladder[${i}].share`, r.share);
  });
  for (const k of ['deltaUpdates', 'edgeCacheSharedByIsolates'] as const) {
    if (typeof s[k] !== 'boolean') throw new RangeError(`${k}: expected true or false, received ${JSON.stringify(s[k])}`);
  }
  const ladderShare = s.ladder.reduce((a, r) => a + r.share, 0);
  if (Math.abs(ladderShare - 1) > 1e-6) throw new RangeError(`ladder[].share: expected shares adding up to 1, received ${ladderShare}`);
  if (s.pathways.length === 0) throw new RangeError('pathways: expected at least one CDN pathway, received none');
  s.pathways.forEach((p, i) => { share(`pathways[${i}].share`, p.share); positive(`pathways[${i}].capacityBps`, p.capacityBps); });
  const pathwayShare = s.pathways.reduce((a, p) => a + p.share, 0);
  if (Math.abs(pathwayShare - 1) > 1e-6) throw new RangeError(`pathways[].share: expected shares adding up to 1, received ${pathwayShare}`);
  for (const [name, c] of Object.entries(s.capacities)) if (c !== null) positive(`capacities.${name}.value`, c.value);
  return s;
}
