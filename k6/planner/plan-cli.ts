// npm run plan -- --viewers 30000000 [--scenario FILE.json] [--out-dir DIR] [--pops N] [--segment-seconds S]
// Turns a crowd into per-tier load: prints a table, writes DIR/plan.json and DIR/plan.svg (default plan-results/).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { planChart } from './plan-chart.ts';
import { formatPlan } from './format-plan.ts';
import { planSurge } from './plan-surge.ts';
import { loadRequestCosts } from './request-costs.ts';
import { checkScenario, defaultScenario, type SurgeScenario } from './surge-scenario.ts';

const USAGE = 'usage: npm run plan -- --viewers N [--scenario FILE.json] [--out-dir DIR] [--pops N] [--segment-seconds S] [--heartbeat-seconds S]';

function fail(message: string): never {
  process.stderr.write(`plan: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      viewers: { type: 'string' },
      scenario: { type: 'string' },
      'out-dir': { type: 'string', default: join(repoRoot, 'plan-results') },
      pops: { type: 'string' },
      'segment-seconds': { type: 'string' },
      'heartbeat-seconds': { type: 'string' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
const viewers = Number(values.viewers);
if (values.viewers === undefined || !Number.isFinite(viewers) || viewers < 1 || viewers > 1e10) fail(`--viewers: expected a peak of 1 to 10000000000 viewers, received ${values.viewers ?? 'nothing'}`);
let scenario: SurgeScenario = defaultScenario(viewers);
if (values.scenario !== undefined) {
  let overrides: Partial<SurgeScenario>;
  try {
    overrides = JSON.parse(readFileSync(values.scenario, 'utf8')) as Partial<SurgeScenario>;
  } catch (error) {
    fail(`--scenario: ${(error as Error).message}`);
  }
  scenario = { ...scenario, ...overrides, capacities: { ...scenario.capacities, ...overrides.capacities } };
}
const num = (flag: string, raw: string | undefined) => {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) fail(`--${flag}: expected a positive number, received ${raw}`);
  return v;
};
const pops = num('pops', values.pops);
const segment = num('segment-seconds', values['segment-seconds']);
const heartbeat = num('heartbeat-seconds', values['heartbeat-seconds']);
if (pops !== undefined) scenario.pops = pops;
if (segment !== undefined) Object.assign(scenario, { segmentSeconds: segment, reloadSeconds: segment, playlistTtlSeconds: segment / 2 });
if (heartbeat !== undefined) scenario.heartbeatSeconds = heartbeat;
try {
  checkScenario(scenario);
} catch (error) {
  fail(`scenario: ${(error as Error).message}`);
}

const plan = planSurge(scenario, loadRequestCosts(join(repoRoot, 'bench-results')));
mkdirSync(values['out-dir'], { recursive: true });
writeFileSync(join(values['out-dir'], 'plan.json'), `${JSON.stringify({ scenario, ...plan }, null, 2)}\n`);
writeFileSync(join(values['out-dir'], 'plan.svg'), planChart(plan, `cascade surge plan: ${viewers.toLocaleString('en')} viewers at peak`));
process.stdout.write(formatPlan(plan));
process.stdout.write(`\nwrote ${join(values['out-dir'], 'plan.json')} and plan.svg\n`);
