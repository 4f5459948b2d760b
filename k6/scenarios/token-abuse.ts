// Token abuse mixed into legitimate load: ABUSE_SHARE of arrivals present an expired token (401), a
// forged one (401) or one account's token shared far past its stream limit (429 once the limit is
// full). Legitimate viewers must not notice: their thresholds are the usual ones.
import type { Options } from 'k6/options';
import { scenarioConfig } from '../src/config/scenario-config.ts';
import { forge, loadTokens } from '../src/k6/load-tokens.ts';
import { summaryOutputs } from '../src/k6/summary.ts';
import { REQUEST_THRESHOLDS } from '../src/k6/thresholds.ts';
import { playOnce, tokenFor, viewerOptions } from '../src/k6/viewer-iteration.ts';
import exec from 'k6/execution';

const config = scenarioConfig(__ENV, { title: 'live-demo' });
const tokens = loadTokens(config.tokensFile);
const legitRate = Math.max(1, Math.round(config.peakArrivalsPerSecond * config.scale * (1 - config.abuseShare)));
const abuseRate = Math.max(1, Math.round(config.peakArrivalsPerSecond * config.scale * config.abuseShare));

export const options: Options = {
  scenarios: {
    legitimate: {
      executor: 'constant-arrival-rate', exec: 'legitimate', rate: legitRate, timeUnit: '1s',
      duration: `${config.plateauSeconds}s`, preAllocatedVUs: Math.ceil(config.maxVUs / 4), maxVUs: config.maxVUs,
      gracefulStop: `${config.watchSeconds + 10}s`, tags: { viewer: 'legitimate' },
    },
    abuse: {
      executor: 'constant-arrival-rate', exec: 'abuse', rate: abuseRate, timeUnit: '1s',
      duration: `${config.plateauSeconds}s`, preAllocatedVUs: Math.max(4, abuseRate * 10), maxVUs: Math.max(8, abuseRate * 40),
      gracefulStop: `${config.watchSeconds + 10}s`, tags: { viewer: 'abuse' },
    },
  },
  thresholds: {
    ...REQUEST_THRESHOLDS,
    // Legitimate viewers see nothing of the abuse; abusers get exactly the refusal they earned.
    'http_req_failed{viewer:legitimate}': ['rate<0.001'],
    'http_req_failed{viewer:abuse}': ['rate<0.001'],
    'http_req_duration{viewer:legitimate,type:manifest}': ['p(99)<1500'],
  },
  summaryTrendStats: ['med', 'p(90)', 'p(99)', 'max', 'count'],
};

export async function legitimate(): Promise<void> {
  await playOnce(viewerOptions(config, tokenFor(tokens.valid)));
}

export async function abuse(): Promise<void> {
  const kind = ['expired', 'forged', 'shared'][exec.scenario.iterationInTest % 3]!;
  if (kind === 'expired') {
    await playOnce(viewerOptions(config, tokenFor(tokens.expired), { expectManifest: [401], watchSeconds: 5, tags: { abuse: kind } }));
  } else if (kind === 'forged') {
    await playOnce(viewerOptions(config, forge(tokenFor(tokens.valid)), { expectManifest: [401], watchSeconds: 5, tags: { abuse: kind } }));
  } else {
    // One account's tokens, shared: the first few sessions fit its limit, the rest are refused.
    await playOnce(viewerOptions(config, tokenFor(tokens.shared), { expectManifest: [200, 429], watchSeconds: 20, tags: { abuse: kind } }));
  }
}

export function handleSummary(data: Parameters<typeof summaryOutputs>[0]) {
  return summaryOutputs(data, config.summaryFile, 'token-abuse');
}
