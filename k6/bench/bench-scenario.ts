import { checkScenario, defaultScenario, type Rung, type SurgeScenario } from '../planner/surge-scenario.ts';

/** What bench:surge knows of one window, for the planner's scenario of the same crowd. */
export interface BenchScenarioInput {
  /** Viewers still playing at the window's end. */
  viewers: number;
  segmentSeconds: number;
  /** The media playlist's EXT-X-TARGETDURATION; undefined for a VOD title (never reloaded). */
  targetDurationSeconds: number | undefined;
  /** The max-age the shield's answer for a media playlist carries (the origin's, passed on). */
  playlistMaxAgeSeconds: number;
  /** The video rungs with their share of the viewers (each viewer's rung at the window's end). */
  ladder: Rung[];
  audioTracks: number;
  audioBitrateBps: number;
  heartbeatSeconds: number;
  renewalReuseSeconds: number;
  /** The playlists offer delta updates (CAN-SKIP-UNTIL) and the viewers ask for them. */
  deltaUpdates: boolean;
  /** Bytes of one reload's answer as a viewer gets it (undefined: the planner's default). */
  playlistBytes?: number;
  /** Edge isolates: one workerd process each, with its own Cache API. */
  isolates: number;
}

/**
 * The planner's scenario for a bench:surge window: the same viewers, 1 PoP of exactly the bench's isolates
 * (not more as the load grows), no churn, nothing encrypted, one loopback pathway. Each workerd process has
 * a Cache API of its own, so the isolates share no cache (unlike a Cloudflare PoP). The edge keeps a media
 * playlist the max-age its shield answer carries (less Age), not half the target duration.
 */
export function benchScenario(input: BenchScenarioInput): SurgeScenario {
  const base = defaultScenario(Math.max(1, input.viewers));
  return checkScenario({
    ...base,
    timeline: [[0, input.viewers]],
    segmentSeconds: input.segmentSeconds,
    reloadSeconds: input.targetDurationSeconds ?? 1e9,
    playlistTtlSeconds: input.playlistMaxAgeSeconds,
    deltaUpdates: input.deltaUpdates,
    ...(input.playlistBytes !== undefined && { playlistBytes: input.playlistBytes }),
    ladder: input.ladder,
    audioTracks: input.audioTracks,
    audioBitrateBps: input.audioBitrateBps,
    heartbeatSeconds: input.heartbeatSeconds,
    renewalReuseSeconds: input.renewalReuseSeconds,
    meanSessionSeconds: 1e9,
    encryptedShare: 0,
    pathways: [{ name: 'loopback', share: 1, capacityBps: 1e12 }],
    pops: 1,
    minIsolatesPerPop: input.isolates,
    rpsPerIsolate: 1e12,
    edgeCacheSharedByIsolates: false,
  });
}

/**
 * A video rung from its variant's BANDWIDTH and AVERAGE-BANDWIDTH, which include the audio rendition's
 * rate (RFC 8216 §4.3.4.2): the planner counts audio as objects of their own, so it is taken out.
 */
export function rungFromVariant(name: string, height: number, bandwidth: number, averageBandwidth: number | undefined, audioBps: number, share: number): Rung {
  const peak = Math.max(1, bandwidth - audioBps);
  const average = averageBandwidth === undefined ? undefined : Math.min(peak, Math.max(1, averageBandwidth - audioBps));
  return { name, height, bitrateBps: peak, ...(average !== undefined && { averageBitrateBps: average }), share };
}
