import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { runViewer, type ViewerOptions, type ViewerStats } from '../viewer/run-viewer.ts';
import type { ScenarioConfig } from '../config/scenario-config.ts';
import { k6ViewerPort } from './k6-viewer-port.ts';

/** Viewer-level outcomes next to k6's request metrics. */
const refusedUnexpectedly = new Counter('viewer_refused_unexpectedly');
const sessionsEnded = new Counter('viewer_sessions_ended');
const adSegments = new Counter('viewer_ad_segments');
const variantSwitches = new Counter('viewer_variant_switches');
const failovers = new Counter('viewer_failovers');
const licenseKeysMissing = new Counter('viewer_license_keys_missing');

export interface TokenSet {
  valid: string[];
  expired: string[];
  /** Tokens of one account, for the shared-token abuse case (its stream limit is what refuses). */
  shared: string[];
}

/** The token this iteration plays with: spread over the set so accounts are not reused while playing. */
export function tokenFor(tokens: string[]): string {
  if (tokens.length === 0) throw new Error('TOKENS_FILE has no tokens of the kind this scenario needs (npm run k6:tokens)');
  const index = (exec.scenario.iterationInTest + exec.vu.idInTest * 7919) % tokens.length;
  return tokens[index]!;
}

export function viewerOptions(config: ScenarioConfig, token: string, overrides: Partial<ViewerOptions> = {}): ViewerOptions {
  return {
    manifestUrl: `${config.baseUrl}/v1/play/${config.title}/master.m3u8?token=${encodeURIComponent(token)}&device=k6-${exec.vu.idInTest}`,
    watchSeconds: config.watchSeconds,
    abr: { safety: 0.8, ...(config.maxHeight !== undefined && { maxHeight: config.maxHeight }) },
    heartbeatSeconds: config.heartbeatSeconds,
    startDelaySeconds: { min: 0.5, max: 3 },
    reloadJitter: 0.1,
    vodBufferSegments: 3,
    liveEdgeSegments: 3,
    fetchAudio: true,
    stopAtEnd: true,
    ...(config.devCountry !== undefined && { headers: { 'x-dev-country': config.devCountry } }),
    ...(config.fallbackOrigins.length > 0 && { fallbackOrigins: config.fallbackOrigins }),
    ...overrides,
  };
}

export async function playOnce(options: ViewerOptions): Promise<ViewerStats> {
  const stats = await runViewer(k6ViewerPort(), options);
  if (stats.outcome === 'failed' || (stats.outcome === 'refused' && options.expectManifest === undefined)) refusedUnexpectedly.add(1);
  if (stats.outcome === 'ended') sessionsEnded.add(1, { code: stats.code ?? String(stats.status) });
  adSegments.add(stats.adSegments);
  variantSwitches.add(stats.variantSwitches);
  failovers.add(stats.failovers);
  licenseKeysMissing.add(stats.licenseKeysRequested - stats.licenseKeysGranted);
  return stats;
}
