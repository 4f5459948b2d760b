import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { call, makeIssuer, problemCode, testEnv, text } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;
let operator: string;

beforeAll(async () => {
  issuer = await makeIssuer();
  // The production defaults: basic 1, standard 2, premium 4; premium evicts the oldest.
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, STREAM_LIMITS: '', STREAM_POLICIES: 'premium:evict-oldest' });
  operator = await issuer.sign({ sub: 'ops-1', role: 'operator' });
});

const viewer = (acct: string, plan = 'standard') => issuer.sign({ sub: `${acct}-viewer`, acct, plan });
const open = async (acct: string, plan = 'standard', file = 'master.m3u8') =>
  call(edgeEnv, `/v1/play/demo/${file}?token=${await viewer(acct, plan)}&device=tv-1`);
const playlistUrl = async (response: Response) => (await text(response)).split('\n').find((l) => l.endsWith('video-360p.m3u8'))!;
const asOperator = (init: RequestInit = {}) => ({ ...init, headers: { authorization: `Bearer ${operator}`, ...init.headers } });

describe('concurrent-stream limits in the play path', () => {
  it('refuses a third stream on a 2-stream account with 429 naming the streams in use, and admits it after one stops', async () => {
    const first = await open('acct-refuse');
    expect((await open('acct-refuse', 'standard', 'manifest.mpd')).status).toBe(200);
    const third = await open('acct-refuse');
    expect(third.status).toBe(429);
    const problem = (await third.json()) as { code: string; limit: number; streams: { deviceId: string; titleId: string }[] };
    expect(problem).toMatchObject({ code: 'too-many-streams', limit: 2 });
    expect(problem.streams).toHaveLength(2);
    expect(problem.streams[0]).toMatchObject({ deviceId: 'tv-1', titleId: 'demo' });

    const stop = first.headers.get('x-stream-stop')!;
    expect((await call(edgeEnv, stop, { method: 'POST' })).status).toBe(204);
    expect((await open('acct-refuse')).status).toBe(200);
    // The stopped session is over: its playlist reloads are refused with a code the player can show.
    expect(await problemCode(await call(edgeEnv, await playlistUrl(first)))).toBe('stream-ended');
  });

  it('admits exactly two of 50 simultaneous session starts on a 2-stream account', async () => {
    const statuses = await Promise.all(Array.from({ length: 50 }, async () => (await open('acct-race')).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(48);
  });

  it('stops the oldest stream under evict-oldest: its next playlist reload is refused with stream-evicted', async () => {
    const streams = await Promise.all([open('acct-evict', 'premium'), open('acct-evict', 'premium'), open('acct-evict', 'premium'), open('acct-evict', 'premium')]);
    const urls = await Promise.all(streams.map(playlistUrl));
    const listed = (await (await call(edgeEnv, '/v1/ops/accounts/acct-evict/streams', asOperator())).json()) as { streams: { sessionId: string }[] };
    const oldest = listed.streams[0]!.sessionId;
    expect((await open('acct-evict', 'premium')).status).toBe(200);
    const results = await Promise.all(urls.map(async (url) => call(edgeEnv, url)));
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(1);
    expect(await problemCode(refused[0]!)).toBe('stream-evicted');
    const evictedUrl = urls[results.indexOf(refused[0]!)]!;
    const evictedSid = JSON.parse(atob(evictedUrl.split('/')[5]!.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sid: string };
    expect(evictedSid.sid).toBe(oldest);
  });

  it('renews a lease through the heartbeat URL, which a forged token cannot use', async () => {
    const first = await open('acct-heartbeat', 'basic');
    const heartbeat = first.headers.get('x-stream-heartbeat')!;
    expect(heartbeat).toMatch(/^http:\/\/edge\.test\/v1\/media\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/heartbeat$/);
    const renewed = await call(edgeEnv, heartbeat, { method: 'POST' });
    expect(renewed.status).toBe(200);
    expect(await renewed.json()).toMatchObject({ deviceId: 'tv-1', titleId: 'demo', heartbeatSeconds: 120 });
    expect((await call(edgeEnv, heartbeat.replace(/\.[A-Za-z0-9_-]+\/heartbeat$/, '.AAAA/heartbeat'), { method: 'POST' })).status).toBe(401);
    expect((await open('acct-heartbeat', 'basic')).status).toBe(429);
  });
});

describe('/v1/ops/accounts/{acct}/streams', () => {
  it('lists an account’s streams and ends one, whose next heartbeat is refused with stream-ended', async () => {
    const stream = await open('acct-ops', 'basic');
    const listed = (await (await call(edgeEnv, '/v1/ops/accounts/acct-ops/streams', asOperator())).json()) as { limitOverride: null; streams: { sessionId: string }[] };
    expect(listed.limitOverride).toBeNull();
    expect(listed.streams).toHaveLength(1);
    const sid = listed.streams[0]!.sessionId;
    expect((await call(edgeEnv, `/v1/ops/accounts/acct-ops/streams/${sid}`, asOperator({ method: 'DELETE' }))).status).toBe(204);
    expect((await call(edgeEnv, `/v1/ops/accounts/acct-ops/streams/${sid}`, asOperator({ method: 'DELETE' }))).status).toBe(404);
    const refused = await call(edgeEnv, stream.headers.get('x-stream-heartbeat')!, { method: 'POST' });
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({ code: 'stream-ended', reason: 'ended-by-operator' });
  });

  it('raises one account’s limit over its plan’s, and back', async () => {
    const put = (body: unknown) => call(edgeEnv, '/v1/ops/accounts/acct-override/stream-limit', asOperator({ method: 'PUT', body: JSON.stringify(body) }));
    expect((await put({ limit: 2 })).status).toBe(200);
    expect((await open('acct-override', 'basic')).status).toBe(200);
    expect((await open('acct-override', 'basic')).status).toBe(200);
    expect((await open('acct-override', 'basic')).status).toBe(429);
    expect((await put({ limit: null })).status).toBe(200);
    const listed = (await (await call(edgeEnv, '/v1/ops/accounts/acct-override/streams', asOperator())).json()) as { limitOverride: null };
    expect(listed.limitOverride).toBeNull();
  });

  it('refuses bad input and viewers', async () => {
    const put = (body: string) => call(edgeEnv, '/v1/ops/accounts/a/stream-limit', asOperator({ method: 'PUT', body }));
    for (const body of ['{"limit":0}', '{"limit":101}', '{"limit":1.5}', '{"limit":"2"}', '{}', '[]', 'null', '{"limit":2,"x":1}', 'nope', `{"limit":${'1'.repeat(5000)}}`]) {
      const response = await put(body);
      expect(response.status, body.slice(0, 40)).toBe(400);
      expect(await problemCode(response)).toBe('bad-request');
    }
    expect(await problemCode(await call(edgeEnv, '/v1/ops/accounts/a/streams/..%2f', asOperator({ method: 'DELETE' })))).toBe('bad-request');
    const asViewer = await call(edgeEnv, '/v1/ops/accounts/a/streams', { headers: { authorization: `Bearer ${await viewer('a')}` } });
    expect(asViewer.status).toBe(403);
    expect((await call(edgeEnv, '/v1/ops/accounts/a/streams')).status).toBe(401);
  });
});

describe('STREAM_LIMITS and STREAM_POLICIES', () => {
  it.each([
    ['STREAM_LIMITS', 'basic:0'],
    ['STREAM_LIMITS', 'gold:3'],
    ['STREAM_LIMITS', 'basic:1,basic:2'],
    ['STREAM_LIMITS', 'basic'],
    ['STREAM_POLICIES', 'basic:kick-all'],
    ['STREAM_LEASE_SECONDS', '5'],
  ])('refuses %s=%s at startup with a message naming the variable', async (name, value) => {
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, [name]: value }), '/healthz');
    expect(response.status).toBe(500);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('config-invalid');
    expect(problem.detail).toContain(`${name}: expected`);
  });
});
