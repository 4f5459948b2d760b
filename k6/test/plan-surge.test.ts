import { describe, expect, it } from 'vitest';
import { edgeSegmentMisses, planInstant, planSurge, playlistFlows, playlistObjects, revocationReadsPerSecond, ttlCacheFetches, viewersAt, type RequestCosts } from '../planner/plan-surge.ts';
import { checkScenario, defaultScenario, type SurgeScenario } from '../planner/surge-scenario.ts';
import { planChart } from '../planner/plan-chart.ts';
import { formatPlan } from '../planner/format-plan.ts';
import { reloadRenewalRate } from '../planner/reload-renewal-rate.ts';
import { benchScenario, rungFromVariant } from '../bench/bench-scenario.ts';

const ONE_MS: RequestCosts = { cpuMs: { manifest: 1, playlist: 1, segment: 1, license: 1, heartbeat: 1 }, provenance: 'test' };

/** One PoP, one 1 Mbit/s rung, no audio, 400 steady viewers: every figure below is worked by hand. */
function small(overrides: Partial<SurgeScenario> = {}): SurgeScenario {
  const base = defaultScenario(400);
  return checkScenario({
    ...base,
    timeline: [[0, 400], [100, 400]],
    stepSeconds: 10,
    segmentSeconds: 4,
    reloadSeconds: 4,
    playlistTtlSeconds: 2,
    playlistBytes: 0,
    ladder: [{ name: 'only', height: 360, bitrateBps: 1_000_000, share: 1 }],
    audioTracks: 0,
    heartbeatSeconds: 40,
    meanSessionSeconds: 400,
    encryptedShare: 1,
    adBreaks: [{ at: 50, durationSeconds: 30 }],
    adSupportedShare: 0.5,
    adDecisionWindowSeconds: 10,
    pathways: [{ name: 'a', share: 0.75, capacityBps: 1e9 }, { name: 'b', share: 0.25, capacityBps: 1e9 }],
    pops: 1,
    minIsolatesPerPop: 2,
    rpsPerIsolate: 1000,
    revocationCacheSeconds: 2,
    revocationPopCacheSeconds: 0,
    catalogueTtlSeconds: 5,
    edgeMissWindowSeconds: 0.01,
    maxStreamsPerAccount: 2,
    ...overrides,
  });
}

describe('reloadRenewalRate (the edge reuse rule for the planner)', () => {
  it('renews once per whole reloads covering the window without heartbeats or jitter', () => {
    expect(reloadRenewalRate(4, 20, 0, 0)).toBeCloseTo(1 / 20, 9);
    expect(reloadRenewalRate(6, 10, 0, 0)).toBeCloseTo(1 / 12, 9);
  });

  it('counts fewer reload renewals when heartbeats renew too, and when jitter brings reloads in just early', () => {
    expect(reloadRenewalRate(6, 20, 30, 0)).toBeLessThan(1 / 24);
    // A window of exactly two 10 s reloads: about half come early and are reused, with heartbeats at 30 s
    // one renewal per about 31 s (measured on the surge bench: 2,000 viewers, 65 reload renewals/s).
    expect(1 / reloadRenewalRate(10, 20, 30)).toBeGreaterThan(28);
    expect(1 / reloadRenewalRate(10, 20, 30)).toBeLessThan(34);
  });

  it('refuses a reload interval or window that is not positive, or jitter outside [0, 1)', () => {
    expect(() => reloadRenewalRate(0, 20, 30)).toThrow('reloadSeconds: expected seconds > 0, received 0');
    expect(() => reloadRenewalRate(6, -1, 30)).toThrow('reuseSeconds: expected seconds > 0, received -1');
    expect(() => reloadRenewalRate(6, 20, 30, 1)).toThrow('jitter: expected a share in [0, 1), received 1');
  });
});

describe('the capacity planner on a small scenario worked by hand', () => {
  const sample = planInstant(small(), ONE_MS, 0, 400, 0);

  it('counts edge requests by type: sessions replaced at viewers / mean watch, reloads and segments per track', () => {
    // churn 400 / 400 s = 1 new session/s; 400 viewers × 1 track / 4 s = 100 playlists/s and 100 segments/s;
    // heartbeats 400 / 40 s = 10/s plus 1 stop/s.
    expect(sample.edge).toEqual({ manifest: 1, license: 1, playlist: 100, segment: 100, heartbeat: 11 });
    expect(sample.edgeTotal).toBe(213);
    expect(sample.workerCpuSecondsPerSecond).toBeCloseTo(0.213, 9);
  });

  it('counts shield requests with uncollapsed Cache API misses in the miss window', () => {
    // 100 requests/s for each new segment × 0.01 s window = 1 extra miss: 2 shield fetches per new segment (every 4 s).
    expect(sample.shieldPerNewSegmentPerRendition).toBeCloseTo(2, 6);
    expect(sample.shield.segment).toBeCloseTo(0.5, 6);
    // Playlists: the whole playlist (1 session start/s) and the delta (99 reloads/s), each refetched at the
    // first request after 2 s + the 0.01 s round trip, plus the other isolate when its copy went stale in
    // the window: 1 + 0.01 / (2.01 + 1/rate) of a miss more.
    const whole = (1 / (1 + 2.01)) * (1 + 0.01 / 3.01);
    const delta = (99 / (1 + 99 * 2.01)) * (1 + 0.01 / (2.01 + 1 / 99));
    expect(sample.shield.playlist).toBeCloseTo(whole + delta, 9);
    // The multivariant playlist on every session start and each isolate's ladder read once a minute.
    expect(sample.shield.manifest).toBeCloseTo(1 + 2 / 60, 9);
    expect(sample.shield.catalogue).toBeCloseTo(0.4, 9);
  });

  it('sends the shield one miss per new object per isolate however fast one isolate is asked (the isolate collapses its misses)', () => {
    // One isolate: 100 requests/s × 0.5 s window would be 51 uncollapsed misses; the isolate sends one.
    const one = planInstant(small({ minIsolatesPerPop: 1, edgeMissWindowSeconds: 0.5 }), ONE_MS, 0, 400, 0);
    expect(one.isolates).toBe(1);
    expect(one.shieldPerNewSegmentPerRendition).toBeCloseTo(1, 9);
    expect(one.shield.segment).toBeCloseTo(0.25, 9);
    // Two isolates: at most two.
    expect(planInstant(small({ edgeMissWindowSeconds: 0.5 }), ONE_MS, 0, 400, 0).shieldPerNewSegmentPerRendition).toBeCloseTo(2, 9);
  });

  it('sends the origin one fetch per new segment per rendition behind the collapsing shield', () => {
    expect(sample.originPerNewSegmentPerRendition).toBeCloseTo(1, 9);
    expect(sample.origin.segment).toBeCloseTo(0.25, 9);
    // Catalogue reads are not kept by the shield: all 0.4/s reach the origin but those collapsed into a
    // fetch in flight (0.4 × 0.02 s).
    expect(sample.origin.catalogue).toBeCloseTo(0.4 / (1 + 0.4 * 0.02), 9);
    // The shield's playlist copy (2 s, half the 4 s target duration) is refreshed at most once per 2 s.
    expect(sample.origin.playlist).toBeLessThan(2 / 2);
    expect(sample.origin.total).toBeCloseTo(sample.origin.manifest + sample.origin.playlist + 0.25 + sample.origin.catalogue, 9);
  });

  it('splits bandwidth by pathway and counts what the shield and origin send', () => {
    expect(sample.bandwidthBps.pathways).toEqual({ a: 300_000_000, b: 100_000_000 });
    // A rung's mean rate, not its peak, is what many viewers and segments add up to.
    const peaky = planInstant(small({ ladder: [{ name: 'only', height: 360, bitrateBps: 1_100_000, averageBitrateBps: 1_000_000, share: 1 }] }), ONE_MS, 0, 400, 0);
    expect(peaky.bandwidthBps.pathways).toEqual({ a: 300_000_000, b: 100_000_000 });
    expect(peaky.bandwidthBps.originEgress).toBeCloseTo(1_000_000, 0);
    // 100 reloads/s of a 2,500-byte playlist add 2 Mbit/s, split like the viewers.
    const withPlaylists = planInstant(small({ playlistBytes: 2500 }), ONE_MS, 0, 400, 0);
    expect(withPlaylists.bandwidthBps.pathways).toEqual({ a: 301_500_000, b: 100_500_000 });
    expect(sample.bandwidthBps.shieldEgress).toBeCloseTo(2_000_000, 0); // 2 misses × 1 Mbit/s
    expect(sample.bandwidthBps.originEgress).toBeCloseTo(1_000_000, 0);
  });

  it('counts Durable Object operations and the busiest objects', () => {
    // StreamLimiter: 1 acquire + 400 viewers' reload renewals under the 20 s reuse rule (heartbeats every
    // 40 s also renew, so reloads renew less than once per 20 s) + 11 heartbeats/stops + 1 license check.
    const rate = reloadRenewalRate(4, 20, 40);
    expect(rate).toBeLessThan(1 / 20);
    expect(sample.durableObjects.streamLimiterOps).toBeCloseTo(1 + 400 * rate + 11 + 1, 9);
    // Without reuse every reload renews: 100 reload renewals.
    const everyReload = planInstant(small({ renewalReuseSeconds: 0 }), ONE_MS, 0, 400, 0);
    expect(everyReload.durableObjects.streamLimiterOps).toBe(113);
    expect(everyReload.durableObjects.busiestStreamLimiter).toBeCloseTo(0.55, 9);
    // Without the PoP cache, 2 isolates each read the global RevocationList every 2 s.
    expect(sample.isolates).toBe(2);
    expect(sample.durableObjects.revocationReads).toBe(1);
    expect(sample.revocationPopLookups).toBe(0);
    // The busiest account: 2 streams × (reload renewals + 1 heartbeat / 40 s).
    expect(sample.durableObjects.busiestStreamLimiter).toBeCloseTo(2 * (rate + 1 / 40), 9);
  });

  it('counts one RevocationList read per PoP refresh with the PoP cache, plus the isolates that race the claim', () => {
    // 2 isolates looking every 1 s: L = 2 lookups/s. With f = 0 the entry is refreshed at the first lookup
    // after its 2 s TTL (mean wait 1/L = 0.5 s), so a cycle is 2.5 s; the other isolate looks within the
    // 0.02 s before the claim is visible with L × 0.02 = 0.04 probability: 1.04 reads per 2.5 s.
    const s = small({ revocationCacheSeconds: 1, revocationPopCacheSeconds: 2, revocationEarlyRefreshShare: 0, cachePutVisibleSeconds: 0.02 });
    const sample = planInstant(s, ONE_MS, 0, 400, 0);
    expect(sample.durableObjects.revocationReads).toBeCloseTo(1.04 / 2.5, 9);
    expect(sample.revocationPopLookups).toBe(2);
    // A busy PoP, 100 isolates (L = 100/s), refresh points over the last 0.2 s: the first eligible lookup
    // comes after √(π·0.2 / 200) = 0.05605 s (erf(√10) and e^−10 change it by less than 1e-4); a cycle
    // lasts 1.8 + 0.05605 s; eligible share 0.05605 / 0.2.
    const busy = { ...s, pops: 10, revocationEarlyRefreshShare: 0.1 };
    const wait = 0.05605;
    expect(revocationReadsPerSecond(busy, 1000)).toBeCloseTo((10 * (1 + 100 * (wait / 0.2) * 0.02)) / (1.8 + wait), 3);
    // Never more reads than lookups (a PoP with a single slow isolate).
    expect(revocationReadsPerSecond({ ...s, revocationCacheSeconds: 10 }, 1)).toBeLessThanOrEqual(0.1);
  });

  it('calls the ad server only in the decision window before a break', () => {
    expect(planInstant(small(), ONE_MS, 39, 400, 0).adServerCalls).toBe(0);
    expect(planInstant(small(), ONE_MS, 40, 400, 0).adServerCalls).toBe(20); // 400 × 0.5 / 10 s
    expect(planInstant(small(), ONE_MS, 50, 400, 0).adServerCalls).toBe(0);
  });

  it('adds the crowd’s growth to session starts', () => {
    const s = small({ timeline: [[0, 0], [100, 1000]] });
    expect(viewersAt(s.timeline, 50)).toBe(500);
    const plan = planSurge(s, ONE_MS);
    const at50 = plan.samples.find((x) => x.t === 50)!;
    expect(at50.newSessionsPerSecond).toBeCloseTo(10 + 500 / 400, 9);
  });
});

describe('the edge and shield caching mechanisms the planner models', () => {
  it('refetches a TTL-cached object once per freshness plus the wait for the next request and the round trip', () => {
    expect(ttlCacheFetches(10, 1)).toBeCloseTo(10 / 11, 12);
    expect(ttlCacheFetches(1000, 1, 0.05)).toBeCloseTo(1000 / 1051, 12);
    expect(ttlCacheFetches(0, 1)).toBe(0);
    // A cache that keeps nothing but collapses one fetch in flight: 100/s over a 0.02 s fetch.
    expect(ttlCacheFetches(100, 0, 0.02)).toBeCloseTo(100 / 3, 12);
  });

  it('splits a rendition’s reloads into the whole playlist a session loads first and the delta updates after', () => {
    // 400 viewers reloading every 4 s, 1 session start/s.
    expect(playlistObjects(small(), 400, 1)).toEqual([1, 99]);
    expect(playlistObjects(small({ deltaUpdates: false }), 400, 1)).toEqual([100]);
  });

  it('gives 2 isolates with caches of their own, asked 100 times/s each for a delta playlist with a 1 s TTL, about 1.89 shield and 0.94 origin requests/s', () => {
    const s = small({ playlistTtlSeconds: 1, reloadSeconds: 10, segmentSeconds: 10, edgeMissWindowSeconds: 0.05, edgeCacheSharedByIsolates: false });
    const flows = playlistFlows(s, 100, 2, 2);
    // Each isolate: one fetch per 1 s + 0.01 s wait + 0.05 s round trip.
    const perIsolate = 100 / (1 + 100 * 1.05);
    expect(flows.shield).toBeCloseTo(2 * perIsolate, 12);
    // The shield's copy goes stale with the refreshing isolate's; that isolate is back 0.06 s later unless the
    // other one (Poisson at 0.943/s) comes first: wait (1 − e^(−0.943 × 0.06)) / 0.943 = 0.0583 s.
    const wait = (1 - Math.exp(-perIsolate * 0.06)) / perIsolate;
    expect(wait).toBeCloseTo(0.0583, 4);
    expect(flows.origin).toBeCloseTo(1 / (1 + wait), 12);
  });

  it('sends the origin every edge fetch when one cache asks the shield, since both copies go stale together', () => {
    const s = small({ playlistTtlSeconds: 1, reloadSeconds: 10, edgeCacheSharedByIsolates: false });
    const flows = playlistFlows(s, 5, 1, 1);
    expect(flows.origin).toBeCloseTo(flows.shield, 12);
    expect(flows.shield).toBeCloseTo(5 / (1 + 5 * 1.01), 12);
  });

  it('refreshes the shield at the first of many caches’ requests when it keeps a playlist shorter than the edge', () => {
    // Edge TTL 6 s (the origin's max-age), shield half the 4 s target duration: 2 s. 200 PoPs at 0.1/s each.
    const s = small({ playlistTtlSeconds: 6, reloadSeconds: 4, pops: 200, edgeMissWindowSeconds: 0 });
    const flows = playlistFlows(s, 0.1, 200, 1);
    expect(flows.shield).toBeCloseTo(200 * (0.1 / 1.6), 9);
    // Requests from 200 independent caches reach the shield at random phases: a TTL cache of 2 s.
    expect(flows.origin).toBeCloseTo(ttlCacheFetches(flows.shield, 2), 2);
  });

  it('sends the shield one request per new segment per isolate with a viewer when isolates keep caches of their own', () => {
    const own = small({ edgeCacheSharedByIsolates: false, edgeMissWindowSeconds: 0.5 });
    expect(edgeSegmentMisses(own, 200, 2)).toBeCloseTo(1, 9);
    expect(edgeSegmentMisses(own, 1, 2)).toBeCloseTo(1 - Math.exp(-1), 12);
    const sample = planInstant(own, ONE_MS, 0, 400, 0);
    // 400 viewers over 2 isolates: both fetch every new segment once, whatever the miss window.
    expect(sample.shieldPerNewSegmentPerRendition).toBeCloseTo(2, 9);
    // A shared Cache API with the same window: 100 requests/s × 0.5 s would be 51 misses, capped at 2 isolates.
    expect(edgeSegmentMisses(small({ edgeMissWindowSeconds: 0.5 }), 400, 2)).toBeCloseTo(2, 9);
  });
});

describe('what the planner names', () => {
  it('names the first tier to pass its capacity, when, and the headroom of every tier', () => {
    const s = small({ timeline: [[0, 100], [100, 1000]] });
    s.capacities.originRps = { value: 1.4, provenance: 'test' };
    const plan = planSurge(s, ONE_MS);
    // Origin load is 1.45 req/s from the first sample on, over a capacity of 1.4.
    expect(plan.bottleneck).toMatchObject({ tier: 'origin req/s', saturates: true, at: 0 });
    const ad = plan.tiers.find((t) => t.tier === 'ad server')!;
    expect(ad.peak).toBeCloseTo(((100 + 900 * 0.4) * 0.5) / 10, 6);
    expect(ad.headroom).toBeCloseTo(250_000 / ad.peak, 6);
  });

  it('reports the closest tier when nothing saturates', () => {
    const plan = planSurge(small(), ONE_MS);
    expect(plan.bottleneck.saturates).toBe(false);
    const highest = Math.max(...plan.tiers.map((t) => t.peakUtilization ?? 0));
    expect(plan.bottleneck.utilization).toBe(highest);
  });

  it('names the global RevocationList object as the first to saturate at 30 million viewers when every isolate reads it', () => {
    const plan = planSurge(checkScenario({ ...defaultScenario(30_000_000), revocationCacheSeconds: 2, revocationPopCacheSeconds: 0 }), ONE_MS);
    expect(plan.bottleneck.tier).toBe('RevocationList (one DO)');
    expect(plan.samples.every((x) => x.originPerNewSegmentPerRendition <= 1)).toBe(true);
  });

  it('keeps the RevocationList object under a third of its limit at 30 million viewers with the PoP cache, and names the ad server first', () => {
    const plan = planSurge(checkScenario(defaultScenario(30_000_000)), ONE_MS);
    const revocation = plan.tiers.find((t) => t.tier === 'RevocationList (one DO)')!;
    expect(revocation.saturatesAt).toBeNull();
    expect(revocation.peakUtilization!).toBeLessThan(1 / 3);
    // The object's load follows the PoP count, not the crowd.
    const tenTimesFewer = planSurge(checkScenario(defaultScenario(3_000_000)), ONE_MS).tiers.find((t) => t.tier === 'RevocationList (one DO)')!;
    expect(revocation.peak / tenTimesFewer.peak).toBeLessThan(2);
    expect(plan.bottleneck.tier).toBe('ad server');
    expect(plan.revocationBoundSeconds).toBe(4);
    expect(formatPlan(plan)).toContain('a revocation is in force in every isolate within 4 s of its write');
    // Without the PoP cache the bound is the isolate's own reuse.
    expect(planSurge(checkScenario({ ...defaultScenario(1000), revocationPopCacheSeconds: 0 }), ONE_MS).revocationBoundSeconds).toBe(1);
  });

  it('draws the plan as an SVG with one line per tier', () => {
    const svg = planChart(planSurge(small(), ONE_MS), 'test <plan>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('test &lt;plan&gt;');
    expect(svg.match(/<polyline/g)).toHaveLength(1 + Object.keys(planSurge(small(), ONE_MS).samples[0]!.utilization).length);
  });
});

describe('scenario checks', () => {
  it.each([
    [{ ladder: [{ name: 'x', height: 1, bitrateBps: 1, share: 0.5 }] }, 'ladder[].share: expected shares adding up to 1, received 0.5'],
    [{ segmentSeconds: 0 }, 'segmentSeconds: expected a positive number, received 0'],
    [{ timeline: [[10, 1], [5, 2]] as Array<[number, number]> }, 'timeline[1]: expected increasing seconds'],
    [{ pathways: [] }, 'pathways: expected at least one CDN pathway'],
    [{ encryptedShare: 2 }, 'encryptedShare: expected a share from 0 to 1, received 2'],
    [{ revocationEarlyRefreshShare: 1 }, 'revocationEarlyRefreshShare: expected a share in [0, 1), received 1'],
    [{ revocationPopCacheSeconds: -1 }, 'revocationPopCacheSeconds: expected seconds >= 0, received -1'],
    [{ ladder: [{ name: 'x', height: 1, bitrateBps: 100, averageBitrateBps: 120, share: 1 }] }, 'ladder[0].averageBitrateBps: expected at most the peak bitrateBps (100), received 120'],
    [{ deltaUpdates: 'yes' }, 'deltaUpdates: expected true or false, received "yes"'],
    [{ edgeCacheSharedByIsolates: undefined }, 'edgeCacheSharedByIsolates: expected true or false, received undefined'],
    [{ originFetchSeconds: -0.1 }, 'originFetchSeconds: expected seconds >= 0, received -0.1'],
    [{ playlistBytes: -1 }, 'playlistBytes: expected bytes >= 0, received -1'],
  ])('refuses %j naming the field', (override, message) => {
    expect(() => checkScenario({ ...defaultScenario(1000), ...override } as SurgeScenario)).toThrow(message);
  });
});

describe('the surge bench’s scenario for the planner', () => {
  it('takes the audio out of a variant’s BANDWIDTH and AVERAGE-BANDWIDTH, since the planner counts audio on its own', () => {
    // live-demo light 180p: 300 kbit/s video + 64 kbit/s audio, BANDWIDTH 1.1 × the sum.
    expect(rungFromVariant('180', 180, 400_400, 364_000, 64_000, 1)).toEqual({ name: '180', height: 180, bitrateBps: 336_400, averageBitrateBps: 300_000, share: 1 });
    expect(rungFromVariant('x', 0, 500_000, undefined, 0, 0.5)).toEqual({ name: 'x', height: 0, bitrateBps: 500_000, share: 0.5 });
  });

  it('gives each bench isolate a cache of its own and no more isolates as the load grows', () => {
    const s = benchScenario({
      viewers: 2000, segmentSeconds: 10, targetDurationSeconds: 10, playlistMaxAgeSeconds: 1,
      ladder: [rungFromVariant('180', 180, 400_400, 364_000, 64_000, 1)], audioTracks: 1, audioBitrateBps: 64_000,
      heartbeatSeconds: 30, renewalReuseSeconds: 20, deltaUpdates: true, playlistBytes: 2500, isolates: 2,
    });
    expect(s).toMatchObject({ pops: 1, minIsolatesPerPop: 2, edgeCacheSharedByIsolates: false, playlistTtlSeconds: 1, reloadSeconds: 10 });
    const sample = planInstant(s, ONE_MS, 0, 2000, 0);
    expect(sample.isolates).toBe(2);
    // 2,000 viewers × (300 + 64) kbit/s mean, and 400 reloads/s × 2,500 bytes.
    expect(sample.bandwidthBps.pathways).toEqual({ loopback: 736_000_000 });
  });
});
