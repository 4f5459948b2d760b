// `npm run bench:live`: one live channel (the standard ladder, as live-demo runs in `npm start`) on
// this machine: encoder CPU share, segment and LL-HLS part availability delays, packager CPU.
// Writes bench-results/live.json.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { writeBenchReport, type BenchMetric } from '../../scripts/bench/bench-report.ts';
import { loadConfig } from '../src/config.ts';
import type { PartialSegment, SegmentPublished } from '../src/live/channel-runner.ts';
import { startOrigin } from '../src/start-origin.ts';

const WARM_UP_MS = 8_000;
const MEASURE_MS = Number(process.env['BENCH_LIVE_SECONDS'] ?? 60) * 1000;
const LADDER = (process.env['BENCH_LIVE_LADDER'] ?? 'standard') as 'standard' | 'light';
const CLOCK_TICKS = 100; // USER_HZ on Linux

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const root = await mkdtemp(join(tmpdir(), 'bench-live-'));
const config = loadConfig({ ...process.env, ORIGIN_PORT: '0', ORIGIN_DATA_DIR: root, ORIGIN_LIVE_DEMO: LADDER });
const origin = await startOrigin(config, { logger: createLogger('origin', 'warn'), prepareSample: async () => {} });
const runner = origin.channels.runner('live-demo')!;
console.error(`bench:live: live-demo (${LADDER} ladder, ${runner.ladder.video.length} video renditions + audio, ${runner.spec.segmentSeconds} s segments, ${runner.spec.partSeconds} s parts); warming up ${WARM_UP_MS / 1000} s, measuring ${MEASURE_MS / 1000} s`);
await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));

const segments: SegmentPublished[] = [];
const partDelays: number[] = [];
runner.on('segment', (event) => {
  if (event.segment.rendition.startsWith('v')) segments.push(event);
});
runner.on('part', (partial: PartialSegment) => {
  if (!partial.rendition.startsWith('v')) return;
  const end = partial.start + partial.parts.reduce((sum, p) => sum + p.duration, 0);
  partDelays.push(Date.now() - (runner.epochMs + (end / partial.timescale) * 1000));
});
const pid = runner.encoderPid!;
const ticksBefore = await cpuTicks(pid);
const nodeBefore = process.cpuUsage();
const started = Date.now();
await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
const elapsedS = (Date.now() - started) / 1000;
const encoderPidAfter = runner.encoderPid;
const ticksAfter = encoderPidAfter === pid ? await cpuTicks(pid) : Number.NaN;
const node = process.cpuUsage(nodeBefore);
const restarts = runner.health.encoder.restarts;
await origin.close();
await rm(root, { recursive: true, force: true });

const encoderCore = (ticksAfter - ticksBefore) / CLOCK_TICKS / elapsedS;
const packagerCore = (node.user + node.system) / 1e6 / elapsedS;
const cores = availableParallelism();
const segmentSeconds = runner.spec.segmentSeconds;
const availability = segments.map((s) => s.availabilityDelayMs);
const glass = segments.map((s) => s.glassDelayMs);
const metrics: BenchMetric[] = [
  { name: 'encoder_cpu_share_of_machine', value: (encoderCore / cores) * 100, unit: '%' },
  { name: 'encoder_cpu_cores', value: encoderCore, unit: 'cores' },
  { name: 'packager_cpu_cores', value: packagerCore, unit: 'cores' },
  { name: 'packager_vs_encoder_cpu', value: packagerCore / encoderCore, unit: 'ratio' },
  { name: 'segment_availability_p50', value: percentile(glass, 50), unit: 'ms' },
  { name: 'segment_availability_p99', value: percentile(glass, 99), unit: 'ms', target: `<= ${segmentSeconds * 1000 + 500}` },
  { name: 'segment_availability_vs_pdt_p50', value: percentile(availability, 50), unit: 'ms' },
  { name: 'segment_availability_vs_pdt_p99', value: percentile(availability, 99), unit: 'ms' },
  { name: 'part_availability_p50', value: percentile(partDelays, 50), unit: 'ms' },
  { name: 'part_availability_p99', value: percentile(partDelays, 99), unit: 'ms' },
  { name: 'segments_measured', value: segments.length, unit: 'segments' },
  { name: 'encoder_restarts', value: restarts, unit: 'restarts', target: '== 0' },
];
writeBenchReport('live', metrics, {
  ladder: `${LADDER}: ${runner.ladder.video.map((r) => `${r.width}x${r.height}@${r.bitrate / 1000}k`).join(', ')} ${runner.ladder.frameRate} fps ${runner.ladder.preset} + AAC ${runner.ladder.audioBitrate / 1000}k`,
  measureSeconds: Math.round(elapsedS),
  segmentAvailability: 'segment end (encoder spawn + media time, the frame was generated then by the -re test source) to segment published; _vs_pdt uses the program date time instead',
  partAvailability: 'CMAF chunk end (program date time clock) to the part file written and announced',
});
