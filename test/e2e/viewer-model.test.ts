import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runViewer, type ViewerOptions } from '../../k6/src/viewer/run-viewer.ts';
import type { ViewerPort, ViewerRequest, ViewerResponse } from '../../k6/src/viewer/viewer-port.ts';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { runFfmpeg } from '../../origin/src/media/run-ffmpeg.ts';
import { ensureDevIdentity, signViewerToken } from '../../scripts/lib/dev-identity.ts';

/**
 * The k6 scenarios' viewer logic (k6/src/viewer) against the real stack, through a Node port that
 * exists only for this test: the same code k6 runs, request for request, so the scripts' behaviour is
 * checked in CI although the k6 binary is not installed here.
 */
const stack = inject('stack');
const secrets = inject('serviceSecrets');
// A clear title this test makes itself (the sample `demo` is encrypted once licensing lands). The e2e
// origin keeps its data between local runs, and a title id can be ingested once, so it is reused.
const clearTitle = 'e2e-viewer-clear';

interface Logged { request: ViewerRequest; status: number }

function nodePort(log: Logged[]): ViewerPort {
  return {
    async request(request) {
      const started = performance.now();
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          ...(request.headers && { headers: request.headers }),
          ...(request.body !== undefined && { body: request.body }),
          signal: AbortSignal.timeout(20_000),
        });
      } catch {
        log.push({ request, status: 0 });
        return { status: 0, headers: {}, body: '', bytes: 0, durationMs: performance.now() - started };
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => (headers[key] = value));
      log.push({ request, status: response.status });
      const out: ViewerResponse = {
        status: response.status,
        headers,
        body: request.discardBody ? '' : new TextDecoder().decode(bytes),
        bytes: bytes.length,
        durationMs: performance.now() - started,
      };
      return out;
    },
    now: () => Date.now(),
    sleep: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
    random: Math.random,
  };
}

const viewer = (title: string, token: string, overrides: Partial<ViewerOptions> = {}): ViewerOptions => ({
  manifestUrl: `${stack.edge}/v1/play/${title}/master.m3u8?token=${encodeURIComponent(token)}`,
  watchSeconds: 5,
  abr: { safety: 0.8 },
  heartbeatSeconds: 2,
  startDelaySeconds: { min: 0, max: 0.2 },
  reloadJitter: 0.1,
  vodBufferSegments: 2,
  liveEdgeSegments: 3,
  fetchAudio: true,
  stopAtEnd: true,
  ...overrides,
});

async function token(sub: string, extra: { ttlSeconds?: number; plan?: 'basic' | 'standard' | 'premium'; titles?: string[]; role?: 'viewer' | 'operator' } = {}): Promise<string> {
  return signViewerToken(await ensureDevIdentity(), {
    sub, plan: extra.plan ?? 'premium', role: extra.role ?? 'viewer', ttlSeconds: extra.ttlSeconds ?? 600,
    ...(extra.titles && { titles: extra.titles }),
  });
}

let dir: string | undefined;
const devTokenFor = (sub: string) => token(sub);

beforeAll(async () => {
  const existing = await fetch(`${stack.origin}/api/v1/titles/${clearTitle}`, { headers: { authorization: `Bearer ${secrets.originApiToken}` } });
  await existing.body?.cancel();
  if (existing.status === 200) return;
  dir = await mkdtemp(join(tmpdir(), 'e2e-viewer-'));
  const source = join(dir, 'clear.mp4');
  await runFfmpeg({
    ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
    args: [
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=12',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=12',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-c:a', 'aac', '-y', source,
    ],
  });
  const upload = await fetch(`${stack.origin}/api/v1/videos/upload?title=${clearTitle}&name=Viewer%20model`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secrets.originApiToken}`, 'content-type': 'application/octet-stream' },
    body: await readFile(source),
  });
  expect(upload.status).toBe(202);
  const { id } = (await upload.json()) as { id: string };
  const deadline = Date.now() + 150_000;
  for (;;) {
    const job = (await (await fetch(`${stack.origin}/api/v1/videos/${id}`, { headers: { authorization: `Bearer ${secrets.originApiToken}` } })).json()) as { state: string; error: unknown };
    if (job.state === 'ready') break;
    if (job.state === 'failed' || Date.now() > deadline) throw new Error(`ingest of ${clearTitle} ended ${job.state}: ${JSON.stringify(job.error)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 200_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the k6 viewer model against the real stack', () => {
  it('watches a clear VOD title: manifest, playlists, init and media segments, heartbeats and a stop, all answered', async () => {
    const log: Logged[] = [];
    const stats = await runViewer(nodePort(log), viewer(clearTitle, await token('viewer-model-vod')));
    expect(stats.outcome).toBe('watched');
    expect(stats.live).toBe(false);
    expect(Object.values(stats.errors).every((n) => n === 0), JSON.stringify(log.filter((l) => l.status >= 300))).toBe(true);
    expect(stats.requests.manifest).toBe(1);
    expect(stats.requests.playlist).toBeGreaterThanOrEqual(2); // video and audio
    expect(stats.segments).toBeGreaterThanOrEqual(4);
    expect(stats.requests.heartbeat).toBeGreaterThanOrEqual(2); // at least one heartbeat, then the stop
    expect(stats.requests.license).toBe(0); // a clear title has no x-license-url
    expect(log.find((l) => l.request.url.endsWith('/stop'))?.status).toBe(204);
    expect(log.every((l) => l.request.type !== 'segment' || l.status === 200)).toBe(true);
  });

  it('watches the sample title, asking for a ClearKey license when the edge offers one', async () => {
    const log: Logged[] = [];
    const stats = await runViewer(nodePort(log), viewer('demo', await token('viewer-model-demo'), { watchSeconds: 3 }));
    expect(stats.outcome).toBe('watched');
    expect(Object.values(stats.errors).every((n) => n === 0), JSON.stringify(log.filter((l) => l.status >= 300))).toBe(true);
    expect(stats.licenseKeysGranted).toBe(stats.licenseKeysRequested);
  });
});

describe('the k6 viewer model on the live channel', () => {
  it('joins live-demo near the live edge, reloads every target duration and fetches each new segment once', async () => {
    const token = await devTokenFor('viewer-model-live');
    // A channel that has just started has no window yet: wait until the edge serves a few segments.
    for (const deadline = Date.now() + 60_000; ;) {
      const master = await fetch(`${stack.edge}/v1/play/live-demo/master.m3u8?token=${token}`);
      const text = await master.text();
      const first = text.split('\n').find((l) => l.startsWith('http'));
      const media = first ? await (await fetch(first)).text() : '';
      if ((media.match(/#EXTINF/g) ?? []).length >= 3) break;
      if (Date.now() > deadline) throw new Error(`live-demo has no 3-segment window through the edge: ${master.status} ${text.slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const log: Logged[] = [];
    const stats = await runViewer(nodePort(log), viewer('live-demo', token, { watchSeconds: 10, heartbeatSeconds: 4 }));
    expect(stats.outcome).toBe('watched');
    expect(stats.live).toBe(true);
    expect(Object.values(stats.errors).every((n) => n === 0), JSON.stringify(log.filter((l) => l.status >= 300 || l.status === 0))).toBe(true);
    const segments = log.filter((l) => l.request.type === 'segment' && l.request.tags?.['init'] !== 'true').map((l) => l.request.url.split('/').pop()!);
    expect(new Set(segments).size).toBe(segments.length);
    // 10 s of a live channel with segments of a few seconds: several reloads of each playlist.
    const reloads = log.filter((l) => l.request.type === 'playlist').length;
    expect(reloads).toBeGreaterThanOrEqual(4);
    expect(stats.segments).toBeGreaterThanOrEqual(6);
  });
});

describe('token abuse as the k6 token-abuse scenario sends it', () => {
  it('refuses an expired token with 401 token-expired before anything else is asked', async () => {
    const log: Logged[] = [];
    const stats = await runViewer(nodePort(log), viewer(clearTitle, await token('abuse-expired', { ttlSeconds: -120 }), { expectManifest: [401] }));
    expect(stats).toMatchObject({ outcome: 'refused', status: 401, code: 'token-expired' });
    expect(log).toHaveLength(1);
  });

  it('refuses a forged token with 401 token-invalid', async () => {
    const valid = await token('abuse-forged');
    const forged = valid.slice(0, -4) + (valid.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const stats = await runViewer(nodePort([]), viewer(clearTitle, forged, { expectManifest: [401] }));
    expect(stats).toMatchObject({ outcome: 'refused', status: 401, code: 'token-invalid' });
  });

  it('refuses a token limited to other titles with 403 not-entitled', async () => {
    const stats = await runViewer(nodePort([]), viewer(clearTitle, await token('abuse-titles', { titles: ['some-other-title'] }), { expectManifest: [403] }));
    expect(stats).toMatchObject({ outcome: 'refused', status: 403, code: 'not-entitled' });
  });

  it('refuses a token shared past the account’s stream limit with 429 while the first viewer keeps watching', async () => {
    const account = `abuse-shared-${Date.now().toString(36)}`;
    const operator = await token('viewer-model-operator', { role: 'operator' });
    const limit = await fetch(`${stack.edge}/v1/ops/accounts/${account}/stream-limit`, {
      method: 'PUT', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ limit: 1 }),
    });
    expect(limit.status).toBe(200);
    // Standard refuses a new stream at the limit; the e2e stack makes premium evict the oldest instead.
    const shared = await token(account, { plan: 'standard' });
    const firstLog: Logged[] = [];
    const first = runViewer(nodePort(firstLog), viewer(clearTitle, shared, { watchSeconds: 4, startDelaySeconds: { min: 0, max: 0 } }));
    // The second device presses play once the first holds its lease.
    while (!firstLog.some((l) => l.request.type === 'manifest')) await new Promise((r) => setTimeout(r, 20));
    const copies = await Promise.all([1, 2, 3].map(() => runViewer(nodePort([]), viewer(clearTitle, shared, { expectManifest: [429] }))));
    for (const copy of copies) expect(copy).toMatchObject({ outcome: 'refused', status: 429, code: 'too-many-streams' });
    const original = await first;
    expect(original.outcome).toBe('watched');
    expect(Object.values(original.errors).every((n) => n === 0)).toBe(true);
  });
});
