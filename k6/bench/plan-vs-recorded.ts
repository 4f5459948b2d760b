// npm run bench:surge:plan -- [--report FILE.json] [--shares 1,0,0] [--segment-seconds 10] [--ladder light] [--edges 2] [--heartbeat-seconds 30]
// The planner's prediction for a recorded bench:surge hold (default: the quiet 10 s run of 2026-11-21 measured once the rungs settled, k6/bench/recorded/surge-10s-2026-11-21-settled.json) next to what was
// measured, without running the bench again: the scenario is the one bench:surge builds (bench-scenario.ts).
// A report that carries `notes.planner_scenario` (bench:surge writes it) is replayed exactly; an older one
// is rebuilt from the live-demo ladder the origin encodes (origin/src/live/live-ladder.ts), the bench's
// flags given here, and the viewers' shares of the rungs (--shares, highest rung first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LIVE_LADDERS, type LiveLadderName } from '../../origin/src/live/live-ladder.ts';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { planInstant } from '../planner/plan-surge.ts';
import { DEFAULT_COSTS } from '../planner/request-costs.ts';
import { checkScenario, type Rung, type SurgeScenario } from '../planner/surge-scenario.ts';
import { benchScenario, rungFromVariant } from './bench-scenario.ts';

const USAGE = 'usage: npm run bench:surge:plan -- [--report FILE.json] [--shares S1,S2,…] [--segment-seconds S] [--ladder light|standard] [--edges N] [--heartbeat-seconds S]';
function fail(message: string): never {
  process.stderr.write(`plan-vs-recorded: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    args: process.argv.slice(2),
    options: {
      report: { type: 'string', default: join(repoRoot, 'k6', 'bench', 'recorded', 'surge-10s-2026-11-21-settled.json') },
      shares: { type: 'string', default: '1,0,0' },
      'segment-seconds': { type: 'string', default: '10' },
      ladder: { type: 'string', default: 'light' },
      edges: { type: 'string', default: '2' },
      'heartbeat-seconds': { type: 'string', default: '30' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
const positive = (name: string, raw: string) => {
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) fail(`--${name}: expected a positive number, received ${raw}`);
  return v;
};
if (args.ladder !== 'light' && args.ladder !== 'standard') fail(`--ladder: expected light or standard, received ${args.ladder}`);
const ladderName: LiveLadderName = args.ladder;

interface Report { metrics: Array<{ name: string; value: number }>; notes?: Record<string, string> }
let report: Report;
try {
  report = JSON.parse(readFileSync(args.report, 'utf8')) as Report;
} catch (error) {
  fail(`--report: cannot read ${args.report}: ${(error as Error).message}`);
}
const metric = (name: string): number => {
  const found = report.metrics.find((m) => m.name === name);
  if (found === undefined) fail(`--report: ${args.report} has no metric ${name}`);
  return found.value;
};

const viewers = metric('hold_viewers_still_playing');
let scenario: SurgeScenario;
let source: string;
const recorded = report.notes?.planner_scenario;
if (recorded !== undefined) {
  const fields = JSON.parse(recorded) as Partial<SurgeScenario>;
  const base = benchScenario({
    viewers, segmentSeconds: fields.segmentSeconds!, targetDurationSeconds: fields.reloadSeconds, playlistMaxAgeSeconds: fields.playlistTtlSeconds!,
    ladder: fields.ladder!, audioTracks: 1, audioBitrateBps: fields.audioBitrateBps!, heartbeatSeconds: positive('heartbeat-seconds', args['heartbeat-seconds']),
    renewalReuseSeconds: 20, deltaUpdates: fields.deltaUpdates!, isolates: fields.minIsolatesPerPop!,
  });
  scenario = checkScenario({ ...base, ...fields, timeline: [[0, viewers]] });
  source = `${args.report}: notes.planner_scenario`;
} else {
  const ladder = LIVE_LADDERS[ladderName];
  const shares = args.shares.split(',').map(Number);
  if (shares.length !== ladder.video.length || shares.some((x) => !(x >= 0 && x <= 1))) fail(`--shares: expected ${ladder.video.length} shares from 0 to 1, highest rung first, received ${args.shares}`);
  if (Math.abs(shares.reduce((x, y) => x + y, 0) - 1) > 1e-6) fail(`--shares: expected shares adding up to 1, received ${args.shares}`);
  // The multivariant playlist the origin writes (hls-live-master.ts): BANDWIDTH 1.1 × (video + audio),
  // AVERAGE-BANDWIDTH video + audio.
  const rungs: Rung[] = ladder.video.map((v, i) =>
    rungFromVariant(v.id, v.height, Math.round((v.bitrate + ladder.audioBitrate) * 1.1), v.bitrate + ladder.audioBitrate, ladder.audioBitrate, shares[i]!)).filter((r) => r.share > 0);
  const segmentSeconds = positive('segment-seconds', args['segment-seconds']);
  scenario = benchScenario({
    viewers, segmentSeconds, targetDurationSeconds: segmentSeconds,
    // origin/src/routes/live-media-route.ts: live playlists `public, max-age=1`.
    playlistMaxAgeSeconds: 1,
    ladder: rungs, audioTracks: 1, audioBitrateBps: ladder.audioBitrate,
    heartbeatSeconds: positive('heartbeat-seconds', args['heartbeat-seconds']), renewalReuseSeconds: 20,
    deltaUpdates: true, isolates: positive('edges', args.edges),
  });
  source = `rebuilt: ${ladderName} ladder, viewer shares ${args.shares} (highest rung first), ${args['segment-seconds']} s segments, ${args.edges} isolates, ${scenario.playlistBytes} bytes per reload`;
}

const p = planInstant(scenario, DEFAULT_COSTS, 0, viewers, 0);
const rows: Array<[string, number, number]> = [
  ['edge req/s', metric('hold_edge_rps'), p.edgeTotal],
  ['  playlist req/s', metric('hold_playlist_rps'), p.edge.playlist],
  ['  segment req/s', metric('hold_segment_rps'), p.edge.segment],
  ['  heartbeat req/s', metric('hold_heartbeat_rps'), p.edge.heartbeat],
  ['edge egress Mbit/s', metric('hold_edge_egress_mbps'), Object.values(p.bandwidthBps.pathways).reduce((a, b) => a + b, 0) / 1e6],
  ['shield req/s', metric('hold_shield_rps'), p.shield.total],
  ['  shield playlist req/s', metric('hold_shield_playlist_rps'), p.shield.playlist],
  ['  shield segment req/s', metric('hold_shield_segment_rps'), p.shield.segment],
  ['shield req / new segment / rendition', metric('shield_requests_per_new_segment_per_rendition'), p.shieldPerNewSegmentPerRendition],
  ['origin req/s', metric('hold_origin_rps'), p.origin.total],
  ['origin req / new segment / rendition', metric('origin_requests_per_new_segment_per_rendition'), p.originPerNewSegmentPerRendition],
  ['DO op/s', metric('do_ops_per_s'), p.durableObjects.total],
];
const width = Math.max(...rows.map((r) => r[0].length));
const lines = [
  `planner vs ${args.report} (${viewers} viewers held; scenario ${source})`,
  `${'figure'.padEnd(width)}  ${'measured'.padStart(9)}  ${'planned'.padStart(9)}  ${'off'.padStart(7)}`,
  ...rows.map(([name, measured, planned]) => {
    const off = planned === 0 ? (measured === 0 ? 0 : 100) : (measured / planned - 1) * 100;
    return `${name.padEnd(width)}  ${measured.toFixed(3).padStart(9)}  ${planned.toFixed(3).padStart(9)}  ${`${off >= 0 ? '+' : ''}${off.toFixed(1)} %`.padStart(7)}`;
  }),
  `planned shield: manifest ${p.shield.manifest.toFixed(3)}, catalogue ${p.shield.catalogue.toFixed(3)}; origin: manifest ${p.origin.manifest.toFixed(3)}, playlist ${p.origin.playlist.toFixed(3)}, segment ${p.origin.segment.toFixed(3)}, catalogue ${p.origin.catalogue.toFixed(3)} req/s`,
];
process.stdout.write(`${lines.join('\n')}\n`);
