// npm run bench:origin — the origin's ingest pipeline against the same ffmpeg command lines run
// directly, in one run on this machine. Writes bench-results/origin.json.
//
// Both sides make the default ladder (five renditions, 240p-1080p, never upscaling) plus AAC from the
// same 1080p source, one pass each, one at a time, alternating which goes first. "Origin" is the
// whole service path an operator uses: POST /api/v1/videos (path ingest) -> queue -> probe ->
// ffmpeg -> HLS playlists -> title record -> atomic publish, timed until GET /api/v1/videos/{id}
// says ready. "Direct" spawns ffmpeg with exactly the arguments the origin builds (packageVodArgs).
// The origin also writes I-frame playlists and thumbnails, which the direct side does not: that work
// counts as overhead.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { writeBenchReport, type BenchMetric } from '../../scripts/bench/bench-report.ts';
import { loadConfig } from '../src/config.ts';
import { resolveFfmpegPaths } from '../src/ffmpeg-path.ts';
import { DEFAULT_LADDER, ladderForSource, outputFrameRate } from '../src/media/ladder.ts';
import { makeTestSource } from '../src/media/make-test-source.ts';
import { packageVodArgs } from '../src/media/package-vod.ts';
import { probeMedia } from '../src/media/probe-media.ts';
import { startOrigin } from '../src/start-origin.ts';

const SOURCE_SECONDS = Number(process.env['BENCH_ORIGIN_SECONDS'] ?? 8);
const PAIRS = Number(process.env['BENCH_ORIGIN_PAIRS'] ?? 5);
const SEGMENT_SECONDS = 4;
const TOKEN = `bench-origin-token-${Date.now()}`;

const root = await mkdtemp(join(tmpdir(), 'bench-origin-'));
const sourceDir = join(root, 'sources');
await mkdir(sourceDir);
const config = loadConfig({
  ...process.env,
  ORIGIN_PORT: '0',
  ORIGIN_DATA_DIR: join(root, 'data'),
  ORIGIN_API_TOKENS: TOKEN,
  ORIGIN_WORKERS: '1',
  ORIGIN_SEGMENT_SECONDS: String(SEGMENT_SECONDS),
  ORIGIN_INGEST_DIRS: sourceDir,
  // The ingest benchmark measures transcoding alone: no live encode competing for the cores.
  ORIGIN_LIVE_DEMO: 'off',
});
const tools = resolveFfmpegPaths(config);
const source = join(sourceDir, 'mezzanine-1080p.mp4');
console.error(`bench:origin: making a ${SOURCE_SECONDS} s 1080p source with ${tools.ffmpeg.path} (${tools.ffmpeg.source})`);
await makeTestSource({ ffmpegPath: tools.ffmpeg.path, outputFile: source, durationSeconds: SOURCE_SECONDS, width: 1920, height: 1080 });
const probe = await probeMedia(tools.ffprobe.path, source);
const ladder = ladderForSource(DEFAULT_LADDER, probe.video!);

function ffmpegDirect(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(tools.ffmpeg.path, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

async function direct(i: number): Promise<number> {
  const out = join(root, `direct-${i}`);
  await mkdir(out);
  const seconds = await ffmpegDirect(
    packageVodArgs({
      inputFile: source, outputDir: out, ladder, segmentSeconds: SEGMENT_SECONDS, frameRate: probe.video!.frameRate,
      withAudio: probe.audioTracks.map((t) => ({ index: t.index, ...(t.language ? { language: t.language } : {}) })),
      constantFrameRate: outputFrameRate(probe.video!),
    }),
  );
  await rm(out, { recursive: true, force: true });
  return seconds;
}

const origin = await startOrigin(config, { logger: createLogger('origin', 'warn'), prepareSample: async () => {} });
const auth = { authorization: `Bearer ${TOKEN}` };

async function viaOrigin(i: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${origin.url}/api/v1/videos`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ title: `bench-${i}`, source: { path: source } }),
  });
  if (response.status !== 202) throw new Error(`ingest refused: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  for (;;) {
    const job = (await (await fetch(`${origin.url}/api/v1/videos/${id}`, { headers: auth })).json()) as { state: string; error: unknown };
    if (job.state === 'ready') return (performance.now() - started) / 1000;
    if (job.state === 'failed') throw new Error(`origin job failed: ${JSON.stringify(job.error)}`);
    // 100 ms: finer polling costs the bench process's own CPU, which would count as origin overhead.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * CPU seconds used so far by this process and its reaped children (/proc/self/stat utime, stime,
 * cutime, cstime). On a shared machine CPU time barely moves with load, unlike wall time, so it
 * shows the origin's real extra work (probe, HTTP, SQLite, playlists, thumbnails) beside the noisy wall figure.
 */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", fields[0] is state (field 3); utime..cstime are fields 14..17.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
}

async function measured(run: () => Promise<number>): Promise<{ wall: number; cpu: number }> {
  const before = cpuSeconds();
  const wall = await run();
  return { wall, cpu: cpuSeconds() - before };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const originTimes: number[] = [];
const directTimes: number[] = [];
const originCpu: number[] = [];
const directCpu: number[] = [];
const runOrigin = async (i: number) => {
  const m = await measured(() => viaOrigin(i));
  originTimes.push(m.wall);
  originCpu.push(m.cpu);
};
const runDirect = async (i: number) => {
  const m = await measured(() => direct(i));
  directTimes.push(m.wall);
  directCpu.push(m.cpu);
};
try {
  // Warm-up (page cache, ffmpeg binary) on both sides, not counted.
  await direct(-1);
  await viaOrigin(-1);
  for (let i = 0; i < PAIRS; i++) {
    // Alternate which side goes first, so a slow drift of the machine hits both alike.
    if (i % 2 === 0) {
      await runOrigin(i);
      await runDirect(i);
    } else {
      await runDirect(i);
      await runOrigin(i);
    }
    console.error(
      `bench:origin: pair ${i + 1}/${PAIRS}: origin ${originTimes.at(-1)!.toFixed(2)} s (cpu ${originCpu.at(-1)!.toFixed(2)} s), direct ${directTimes.at(-1)!.toFixed(2)} s (cpu ${directCpu.at(-1)!.toFixed(2)} s)`,
    );
  }
} finally {
  await origin.close();
}

// Encode speed per rendition: each rung alone (same arguments, a one-rung ladder), direct ffmpeg.
const perRendition: BenchMetric[] = [];
for (const rung of ladder.video) {
  const out = join(root, `rung-${rung.height}`);
  await mkdir(out);
  const wall = await ffmpegDirect(packageVodArgs({ inputFile: source, outputDir: out, ladder: { ...ladder, video: [rung] }, segmentSeconds: SEGMENT_SECONDS, frameRate: probe.video!.frameRate, withAudio: false, constantFrameRate: outputFrameRate(probe.video!) }));
  await rm(out, { recursive: true, force: true });
  perRendition.push({ name: `encode_speed_${rung.id}`, value: Math.round((SOURCE_SECONDS / wall) * 100) / 100, unit: 'x realtime' });
}
await rm(root, { recursive: true, force: true });

const originMedian = median(originTimes);
const directMedian = median(directTimes);
// The ratio of each back-to-back pair, then their median: on a shared machine the load drifts over
// minutes, and a pair run within seconds of each other sees nearly the same machine.
const pairRatio = median(originTimes.map((t, i) => t / directTimes[i]!));
writeBenchReport(
  'origin',
  [
    { name: 'origin_overhead_ratio', value: Math.round(pairRatio * 1000) / 1000, unit: 'ratio', target: '<= 1.05' },
    { name: 'origin_cpu_overhead_ratio', value: Math.round((median(originCpu) / median(directCpu)) * 1000) / 1000, unit: 'ratio' },
    { name: 'origin_overhead_ratio_of_fastest_runs', value: Math.round((Math.min(...originTimes) / Math.min(...directTimes)) * 1000) / 1000, unit: 'ratio' },
    { name: 'origin_ladder_wall_seconds', value: Math.round(originMedian * 100) / 100, unit: 's' },
    { name: 'direct_ffmpeg_ladder_wall_seconds', value: Math.round(directMedian * 100) / 100, unit: 's' },
    { name: 'origin_ladder_speed', value: Math.round((SOURCE_SECONDS / originMedian) * 100) / 100, unit: 'x realtime' },
    ...perRendition,
  ],
  {
    source: `${SOURCE_SECONDS} s 1920x1080 25 fps H.264 + AAC stereo (synthesized test pattern)`,
    ladder: ladder.video.map((r) => r.id).join(', ') + ` + ${ladder.audio?.id}, x264 ${ladder.x264Preset}`,
    pairs: PAIRS,
    ffmpeg: `${tools.ffmpeg.path} (${tools.ffmpeg.source})`,
    method: 'median of per-pair wall-time ratios over interleaved pairs (order alternating); origin = path ingest to job ready through the HTTP API, direct = the same ffmpeg arguments spawned directly',
  },
);
