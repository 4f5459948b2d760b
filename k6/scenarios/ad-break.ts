// An ad break for everyone at once: the crowd ramps up and holds; at AD_BREAK_AT_SECONDS the operator's
// break (placed by setup() through the origin's channel API when ORIGIN_URL and ORIGIN_API_TOKEN are
// set, else by hand) sends every viewer through the break's discontinuities together.
import http from 'k6/http';
import type { Options } from 'k6/options';
import { scenarioConfig } from '../src/config/scenario-config.ts';
import { arrivalScenario } from '../src/k6/arrival-scenario.ts';
import { loadTokens } from '../src/k6/load-tokens.ts';
import { summaryOutputs } from '../src/k6/summary.ts';
import { REQUEST_THRESHOLDS } from '../src/k6/thresholds.ts';
import { playOnce, tokenFor, viewerOptions } from '../src/k6/viewer-iteration.ts';

const config = scenarioConfig(__ENV, { title: 'live-demo' });
const tokens = loadTokens(config.tokensFile);
const breakAt = Number(__ENV['AD_BREAK_AT_SECONDS'] ?? config.warmSeconds + config.riseSeconds + 30);
const breakSeconds = Number(__ENV['AD_BREAK_SECONDS'] ?? 30);
if (!(breakAt >= 0) || !(breakSeconds >= 1 && breakSeconds <= 600)) {
  throw new Error(`AD_BREAK_AT_SECONDS / AD_BREAK_SECONDS: expected seconds (>= 0 / 1..600), received ${__ENV['AD_BREAK_AT_SECONDS']} / ${__ENV['AD_BREAK_SECONDS']}`);
}
const holdSeconds = breakAt + breakSeconds + 60;

export const options: Options = {
  scenarios: {
    ad_break: arrivalScenario(config, [
      { target: Math.round(config.peakArrivalsPerSecond * config.scale), duration: `${config.riseSeconds}s` },
      { target: Math.round(config.peakArrivalsPerSecond * config.scale), duration: `${holdSeconds}s` },
    ], 0),
  },
  thresholds: { ...REQUEST_THRESHOLDS, viewer_ad_segments: ['count>0'] },
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'max', 'count'],
};

export function setup(): { breakAt: string } {
  const startAt = new Date(Date.now() + breakAt * 1000).toISOString();
  const origin = __ENV['ORIGIN_URL'];
  const apiToken = __ENV['ORIGIN_API_TOKEN'];
  if (origin !== undefined && apiToken !== undefined) {
    const response = http.post(
      `${origin.replace(/\/$/, '')}/api/v1/channels/${config.title}/breaks`,
      JSON.stringify({ durationSeconds: breakSeconds, startAt }),
      { headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, tags: { type: 'operator' } },
    );
    if (response.status !== 201) throw new Error(`placing the ad break failed: ${response.status} ${String(response.body)}`);
  } else {
    console.warn(`no ORIGIN_URL/ORIGIN_API_TOKEN: place a ${breakSeconds} s break on ${config.title} at ${startAt} by hand`);
  }
  return { breakAt: startAt };
}

export default async function viewer(): Promise<void> {
  await playOnce(viewerOptions(config, tokenFor(tokens.valid)));
}

export function handleSummary(data: Parameters<typeof summaryOutputs>[0]) {
  return summaryOutputs(data, config.summaryFile, 'ad-break');
}
