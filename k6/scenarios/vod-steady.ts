// Steady VOD: a constant arrival of viewers watching an on-demand title (PEAK_ARRIVALS_PER_S for
// PLATEAU_SECONDS). k6 run k6/scenarios/vod-steady.ts (see k6/README.md).
import type { Options } from 'k6/options';
import { scenarioConfig } from '../src/config/scenario-config.ts';
import { loadTokens } from '../src/k6/load-tokens.ts';
import { summaryOutputs } from '../src/k6/summary.ts';
import { REQUEST_THRESHOLDS } from '../src/k6/thresholds.ts';
import { playOnce, tokenFor, viewerOptions } from '../src/k6/viewer-iteration.ts';

const config = scenarioConfig(__ENV, { title: 'demo' });
const tokens = loadTokens(config.tokensFile);

export const options: Options = {
  scenarios: {
    vod_steady: {
      executor: 'constant-arrival-rate',
      rate: Math.max(1, Math.round(config.peakArrivalsPerSecond * config.scale)),
      timeUnit: '1s',
      duration: `${config.plateauSeconds}s`,
      preAllocatedVUs: Math.ceil(config.maxVUs / 4),
      maxVUs: config.maxVUs,
      gracefulStop: `${config.watchSeconds + 10}s`,
    },
  },
  thresholds: REQUEST_THRESHOLDS,
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'max', 'count'],
};

export default async function viewer(): Promise<void> {
  await playOnce(viewerOptions(config, tokenFor(tokens.valid)));
}

export function handleSummary(data: Parameters<typeof summaryOutputs>[0]) {
  return summaryOutputs(data, config.summaryFile, 'vod-steady');
}
