// CDN failover in the middle of the surge: the live surge, and at FAILOVER_AT_SECONDS every viewer
// moves to the next origin in FALLBACK_ORIGINS at once (what a steering server or a DNS switch does),
// onto a cold cache. Viewers also move on their own when a request fails with 5xx or no answer.
import type { Options } from 'k6/options';
import { scenarioConfig, wicketStages } from '../src/config/scenario-config.ts';
import { arrivalScenario } from '../src/k6/arrival-scenario.ts';
import { loadTokens } from '../src/k6/load-tokens.ts';
import { summaryOutputs } from '../src/k6/summary.ts';
import { REQUEST_THRESHOLDS } from '../src/k6/thresholds.ts';
import { playOnce, tokenFor, viewerOptions } from '../src/k6/viewer-iteration.ts';

const config = scenarioConfig(__ENV, { title: 'live-demo' });
if (config.fallbackOrigins.length === 0) throw new Error('FALLBACK_ORIGINS: expected at least one origin of the second CDN, received nothing');
const tokens = loadTokens(config.tokensFile);
const failoverAfter = config.failoverAtSeconds ?? config.warmSeconds + config.riseSeconds + config.plateauSeconds / 2;

export const options: Options = {
  scenarios: {
    surge_with_failover: arrivalScenario(config, wicketStages(config), Math.round(config.baseArrivalsPerSecond * config.scale)),
  },
  thresholds: { ...REQUEST_THRESHOLDS, 'http_req_duration{pathway:1}': ['p(99)<3000'] },
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'max', 'count'],
};

/** The test's start, shared by every VU, so "failover at T" means the same instant for all of them. */
export function setup(): { startedAt: number } {
  return { startedAt: Date.now() };
}

export default async function viewer(data: { startedAt: number }): Promise<void> {
  await playOnce(viewerOptions(config, tokenFor(tokens.valid), { failoverAtMs: data.startedAt + failoverAfter * 1000 }));
}

export function handleSummary(data: Parameters<typeof summaryOutputs>[0]) {
  return summaryOutputs(data, config.summaryFile, 'cdn-failover');
}
