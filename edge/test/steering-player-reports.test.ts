import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { call, makeIssuer, testEnv, text } from './harness.ts';

/**
 * Player error reports drain a pathway with hysteresis (README "Health"): CMCD error events (`e=e`, CTA-5004
 * v2) that players send with their steering reloads about the pathway they are on.
 */
let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let operator: string;
let env: Env;

beforeAll(async () => {
  issuer = await makeIssuer();
  operator = await issuer.sign({ sub: 'ops-players', role: 'operator' });
  env = testEnv({
    VIEWER_JWKS: issuer.jwks,
    // Isolates flush QoE and re-read the control plane every min(·, TTL): 1 s here.
    STEERING_TTL_SECONDS: '1',
    STEERING_PROBE_FAILURES: '2',
    STEERING_PROBE_RECOVERIES: '2',
    STEERING_PATHWAYS: JSON.stringify([
      { id: 'edge', baseUrl: 'self', tokenFormat: 'edge', weight: 0 },
      { id: 'cdn-x', baseUrl: 'http://cdn-x.test/t/', tokenFormat: 'nginx-secure-link', weight: 1000 },
    ]),
    STEERING_TOKEN_SECRETS: JSON.stringify({ 'cdn-x': 'cdn-x-secure-link-secret-0123' }),
  });
});

async function steeringServer(sub: string): Promise<{ url: string; pathway: string | null }> {
  const response = await call(env, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub })}`);
  const master = await text(response);
  return { url: /SERVER-URI="([^"]+)"/.exec(master)![1]!, pathway: response.headers.get('x-steering-pathway') };
}

/** One batch: `count` steering reloads reporting pathway cdn-x, `errors` of them with a CMCD error event, then a flush. */
async function batch(server: string, count: number, errors: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const cmcd = i < errors ? `&CMCD=${encodeURIComponent('e=e,sid="s1"')}` : `&CMCD=${encodeURIComponent('mtp=20000,sid="s1"')}`;
    const response = await call(env, `${server}?_HLS_pathway=cdn-x${cmcd}`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  // The next report after the flush interval sends the batch to the control plane (it counts in the next one).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await (await call(env, `${server}?_HLS_pathway=edge`)).arrayBuffer();
}

async function health(): Promise<{ up: boolean; detail: string }> {
  const body = (await (await call(env, '/v1/ops/cdn/pathways', { headers: { authorization: `Bearer ${operator}` } })).json()) as { pathways: Array<{ id: string; health: { up: boolean; detail: string } }> };
  return body.pathways.find((p) => p.id === 'cdn-x')!.health;
}

describe('player error reports and pathway health', () => {
  it('drains a pathway after two failing batches of player reports, not one, and restores it after two healthy ones, with both flips audited', async () => {
    const { url: server, pathway } = await steeringServer('players-1');
    expect(pathway).toBe('cdn-x');
    // Prime the isolate's flush clock so the next batch is flushed whole.
    await batch(server, 1, 0);

    await batch(server, 6, 5);
    expect((await health()).up).toBe(true);
    // Between the thresholds (2 of 6): neither failing nor healthy, so the count of failing batches stands.
    await batch(server, 6, 2);
    expect((await health()).up).toBe(true);
    await batch(server, 6, 6);
    const down = await health();
    expect(down).toMatchObject({ up: false });
    expect(down.detail).toMatch(/^players: \d+ of \d+ reports were errors$/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Drained: new sessions start on the edge, weight 1000 notwithstanding.
    expect((await steeringServer('players-2')).pathway).toBe('edge');

    await batch(server, 6, 0);
    expect((await health()).up).toBe(false);
    await batch(server, 6, 0);
    expect((await health()).up).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await steeringServer('players-3')).pathway).toBe('cdn-x');

    const audit = (await (await call(env, '/v1/ops/cdn/audit?limit=2', { headers: { authorization: `Bearer ${operator}` } })).json()) as { entries: Array<{ actor: string; target: string; before: unknown; after: unknown }> };
    expect(audit.entries.map((e) => [e.actor, e.target, e.before, e.after])).toEqual([
      ['player-reports', 'cdn-x', 'down', 'up'],
      ['player-reports', 'cdn-x', 'up', 'down'],
    ]);
  }, 30_000);

  it('ignores batches too small to judge', async () => {
    const { url: server } = await steeringServer('players-small');
    expect((await health()).up).toBe(true);
    await batch(server, 4, 4);
    expect((await health()).up).toBe(true);
  }, 30_000);
});
