// Live surge: new viewers per second shaped like a wicket in a final (steep rise, plateau, innings-break
// dip, second-innings recovery) on the live channel. k6 run k6/scenarios/live-surge.ts (see k6/README.md).
import type { Options } from 'k6/options';
import { scenarioConfig, wicketStages } from '../src/config/scenario-config.ts';
import { arrivalScenario } from '../src/k6/arrival-scenario.ts';
import { loadTokens } from '../src/k6/load-tokens.ts';
import { summaryOutputs } from '../src/k6/summary.ts';
import { REQUEST_THRESHOLDS } from '../src/k6/thresholds.ts';
import { playOnce, tokenFor, viewerOptions } from '../src/k6/viewer-iteration.ts';

const config = scenarioConfig(__ENV, { title: 'live-demo' });
const tokens = loadTokens(config.tokensFile);

export const options: Options = {
  scenarios: {
    live_surge: arrivalScenario(config, wicketStages(config), Math.round(config.baseArrivalsPerSecond * config.scale)),
  },
  thresholds: REQUEST_THRESHOLDS,
  discardResponseBodies: false,
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'max', 'count'],
};

export default async function viewer(): Promise<void> {
  await playOnce(viewerOptions(config, tokenFor(tokens.valid)));
}

export function handleSummary(data: Parameters<typeof summaryOutputs>[0]) {
  return summaryOutputs(data, config.summaryFile, 'live-surge');
}
