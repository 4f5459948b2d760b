import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Env } from '../src/env.ts';
import worker from '../src/index.ts';
import { call, makeIssuer, testEnv } from './harness.ts';

const verifiers = inject('cdnVerifiers');

describe('pathway health probes (cron trigger)', () => {
  let issuer: Awaited<ReturnType<typeof makeIssuer>>;
  let operator: string;
  const envWith = (deadBase: string): Env =>
    testEnv({
      VIEWER_JWKS: issuer.jwks,
      // A segment both the fake shield and the real nginx (edge/test/cdn-verifiers.global-setup.ts) serve.
      STEERING_PROBE_PATH: 'vod/demo/seg-1.m4s',
      STEERING_PROBE_FAILURES: '2',
      STEERING_PROBE_RECOVERIES: '2',
      // Isolates re-read the control plane every min(2 s, TTL): 1 s here.
      STEERING_TTL_SECONDS: '1',
      STEERING_PATHWAYS: JSON.stringify([
        // Fallbacks only (weight 0), so every new session starts on "flaky" while it is usable.
        { id: 'edge', baseUrl: 'self', tokenFormat: 'edge', weight: 0 },
        { id: 'nginx', baseUrl: `${verifiers.nginxUrl}/t/`, tokenFormat: 'nginx-secure-link', weight: 0 },
        { id: 'flaky', baseUrl: deadBase, tokenFormat: 'nginx-secure-link', weight: 1000 },
      ]),
      STEERING_TOKEN_SECRETS: JSON.stringify({ nginx: verifiers.nginxSecret, flaky: verifiers.nginxSecret }),
    });

  beforeAll(async () => {
    issuer = await makeIssuer();
    operator = await issuer.sign({ sub: 'ops-health', role: 'operator' });
  });

  async function cron(env: Env): Promise<void> {
    const ctx = createExecutionContext();
    await (worker.scheduled as (controller: ScheduledController, env: Env, ctx: ExecutionContext) => Promise<void>)(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
  }

  async function health(env: Env): Promise<Record<string, { up: boolean; failures: number; detail: string }>> {
    const body = (await (await call(env, '/v1/ops/cdn/pathways', { headers: { authorization: `Bearer ${operator}` } })).json()) as { pathways: Array<{ id: string; health: { up: boolean; failures: number; detail: string } }> };
    return Object.fromEntries(body.pathways.map((p) => [p.id, p.health]));
  }

  async function firstPathway(env: Env, sub: string): Promise<string | null> {
    return (await call(env, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub })}`)).headers.get('x-steering-pathway');
  }

  it('drains a pathway after consecutive failed probes and restores it only after consecutive good ones', async () => {
    // Nothing listens on port 9: every probe of "flaky" fails.
    const broken = envWith('http://127.0.0.1:9/t/');
    expect(await firstPathway(broken, 'health-1')).toBe('flaky');

    await cron(broken);
    let seen = await health(broken);
    expect(seen['edge']).toMatchObject({ up: true, detail: 'HTTP 200' });
    expect(seen['nginx']).toMatchObject({ up: true, detail: 'HTTP 200' });
    expect(seen['flaky']).toMatchObject({ up: true, failures: 1 });
    expect(seen['flaky']!.detail).toMatch(/^unreachable/);

    await cron(broken);
    expect((await health(broken))['flaky']).toMatchObject({ up: false, failures: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Drained automatically: new sessions start elsewhere, weight 1000 notwithstanding.
    const drained = new Set(await Promise.all([1, 2, 3, 4, 5].map((i) => firstPathway(broken, `health-drained-${i}`))));
    expect(drained.has('flaky')).toBe(false);

    // The CDN comes back (same pathway id, now reachable): one good probe is not enough, two are.
    const fixed = envWith(`${verifiers.nginxUrl}/t/`);
    await cron(fixed);
    expect((await health(fixed))['flaky']).toMatchObject({ up: false });
    await cron(fixed);
    expect((await health(fixed))['flaky']).toMatchObject({ up: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await firstPathway(fixed, 'health-1')).toBe('flaky');

    const audit = (await (await call(fixed, '/v1/ops/cdn/audit?limit=2', { headers: { authorization: `Bearer ${operator}` } })).json()) as { entries: Array<{ actor: string; target: string; before: unknown; after: unknown }> };
    expect(audit.entries.map((e) => [e.actor, e.target, e.before, e.after])).toEqual([
      ['health-probe', 'flaky', 'down', 'up'],
      ['health-probe', 'flaky', 'up', 'down'],
    ]);
  });
});

describe('QoE from CMCD (CTA-5004) per pathway and region', () => {
  it('aggregates CMCD from query and header forms on segments through the edge, and ignores malformed CMCD', async () => {
    const issuer = await makeIssuer();
    const operator = await issuer.sign({ sub: 'ops-qoe', role: 'operator' });
    const env = testEnv({
      VIEWER_JWKS: issuer.jwks,
      STEERING_TTL_SECONDS: '1',
      STEERING_PATHWAYS: JSON.stringify([{ id: 'edge-qoe', baseUrl: 'self', tokenFormat: 'edge', weight: 1 }]),
    });
    const master = await (await call(env, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub: 'qoe-viewer' })}`, { headers: { 'x-dev-country': 'IN' } })).text();
    const playlistUrl = master.split('\n').find((l) => l.endsWith('video-360p.m3u8'))!;
    const segmentUrl = (await (await call(env, playlistUrl)).text()).split('\n').find((l) => l.endsWith('.m4s'))!;

    const starved = await call(env, `${segmentUrl}?CMCD=${encodeURIComponent('bs,mtp=25400,ot=v,sid="6e2fb550-c457-11e9-bb97-0800200c9a66"')}`);
    expect(starved.status).toBe(200);
    await starved.arrayBuffer();
    const garbage = await call(env, `${segmentUrl}?CMCD=${encodeURIComponent('%%%,mtp=="')}`);
    expect(garbage.status).toBe(200);
    await garbage.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const smooth = await call(env, segmentUrl, { headers: { 'CMCD-Request': 'mtp=30000', 'CMCD-Object': 'ot=v', 'CMCD-Session': 'sid="6e2fb550"' } });
    expect(smooth.status).toBe(200);
    await smooth.arrayBuffer();

    const listed = (await (await call(env, '/v1/ops/cdn/pathways', { headers: { authorization: `Bearer ${operator}` } })).json()) as {
      pathways: Array<{ id: string; trafficShare: number; qoe: Record<string, { sessions: number; throughputKbps: number; rebufferRatio: number }> }>;
    };
    const edge = listed.pathways.find((p) => p.id === 'edge-qoe')!;
    expect(edge.trafficShare).toBe(1);
    const india = edge.qoe['IN']!;
    expect(india.sessions).toBeGreaterThanOrEqual(1);
    expect(india.rebufferRatio).toBeGreaterThan(0);
    expect(india.rebufferRatio).toBeLessThan(1);
    expect(india.throughputKbps).toBeGreaterThanOrEqual(25_400);
    expect(india.throughputKbps).toBeLessThanOrEqual(30_000);
  });
});
