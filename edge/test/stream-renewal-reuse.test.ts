import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { call, makeIssuer, problemCode, testEnv, text } from './harness.ts';

// README "Stream limits": a media-playlist reload within STREAM_RENEWAL_REUSE_SECONDS of this isolate's
// last renewal of the session reuses it instead of calling the StreamLimiter object again. A test env
// object is its own app (its own StreamLeases), so a second env stands in for a second isolate.

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let operator: string;

beforeAll(async () => {
  issuer = await makeIssuer();
  operator = await issuer.sign({ sub: 'ops-1', role: 'operator' });
});

const envWith = (overrides: Partial<Env> = {}) => testEnv({ VIEWER_JWKS: issuer.jwks, STREAM_LIMITS: '', STREAM_POLICIES: 'premium:evict-oldest', ...overrides });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const asOperator = (init: RequestInit = {}) => ({ ...init, headers: { authorization: `Bearer ${operator}`, ...init.headers } });

async function open(env: Env, acct: string, plan = 'standard') {
  const token = await issuer.sign({ sub: `${acct}-viewer`, acct, plan });
  const response = await call(env, `/v1/play/demo/master.m3u8?token=${token}&device=tv-1`);
  expect(response.status).toBe(200);
  const playlist = (await text(response)).split('\n').find((l) => l.endsWith('video-360p.m3u8'))!;
  return { playlist, stop: response.headers.get('x-stream-stop')! };
}

async function renewedAt(env: Env, acct: string): Promise<string[]> {
  const listed = (await (await call(env, `/v1/ops/accounts/${acct}/streams`, asOperator())).json()) as { streams: { renewedAt: string }[] };
  return listed.streams.map((s) => s.renewedAt);
}

async function sessionIds(env: Env, acct: string): Promise<string[]> {
  const listed = (await (await call(env, `/v1/ops/accounts/${acct}/streams`, asOperator())).json()) as { streams: { sessionId: string }[] };
  return listed.streams.map((s) => s.sessionId);
}

describe('stream lease renewal on playlist reloads', () => {
  it('renews once for reloads within the reuse window, and again once the window has passed', async () => {
    const env = envWith({ STREAM_RENEWAL_REUSE_SECONDS: '1' });
    const { playlist } = await open(env, 'acct-reuse');
    expect((await call(env, playlist)).status).toBe(200);
    const [first] = await renewedAt(env, 'acct-reuse');
    await pause(50);
    expect((await call(env, playlist)).status).toBe(200);
    expect((await call(env, playlist)).status).toBe(200);
    expect(await renewedAt(env, 'acct-reuse')).toEqual([first]);
    await pause(1100);
    expect((await call(env, playlist)).status).toBe(200);
    const [later] = await renewedAt(env, 'acct-reuse');
    expect(Date.parse(later!)).toBeGreaterThan(Date.parse(first!) + 1000);
  });

  it('renews on every reload when STREAM_RENEWAL_REUSE_SECONDS is 0', async () => {
    const env = envWith({ STREAM_RENEWAL_REUSE_SECONDS: '0' });
    const { playlist } = await open(env, 'acct-no-reuse');
    expect((await call(env, playlist)).status).toBe(200);
    const [first] = await renewedAt(env, 'acct-no-reuse');
    await pause(50);
    expect((await call(env, playlist)).status).toBe(200);
    const [second] = await renewedAt(env, 'acct-no-reuse');
    expect(Date.parse(second!)).toBeGreaterThan(Date.parse(first!));
  });

  it('refuses a session stopped through this isolate at its next reload, inside the window', async () => {
    const env = envWith();
    const { playlist, stop } = await open(env, 'acct-reuse-stop');
    expect((await call(env, playlist)).status).toBe(200);
    expect((await call(env, stop, { method: 'POST' })).status).toBe(204);
    expect(await problemCode(await call(env, playlist))).toBe('stream-ended');
  });

  it('refuses a session an operator ended through this isolate at its next reload, inside the window', async () => {
    const env = envWith();
    const { playlist } = await open(env, 'acct-reuse-ops', 'basic');
    expect((await call(env, playlist)).status).toBe(200);
    const [sid] = await sessionIds(env, 'acct-reuse-ops');
    expect((await call(env, `/v1/ops/accounts/acct-reuse-ops/streams/${sid}`, asOperator({ method: 'DELETE' }))).status).toBe(204);
    expect(await problemCode(await call(env, playlist))).toBe('stream-ended');
  });

  it('refuses a session evicted by a start through this isolate at its next reload, inside the window', async () => {
    const env = envWith();
    const streams = [];
    for (let i = 0; i < 4; i += 1) streams.push(await open(env, 'acct-reuse-evict', 'premium'));
    for (const { playlist } of streams) expect((await call(env, playlist)).status).toBe(200);
    await open(env, 'acct-reuse-evict', 'premium');
    expect(await problemCode(await call(env, streams[0]!.playlist))).toBe('stream-evicted');
    expect((await call(env, streams[1]!.playlist)).status).toBe(200);
  });

  it('serves a session stopped through another isolate only until the window has passed', async () => {
    const here = envWith({ STREAM_RENEWAL_REUSE_SECONDS: '1' });
    const elsewhere = envWith({ STREAM_RENEWAL_REUSE_SECONDS: '1' });
    const { playlist, stop } = await open(here, 'acct-reuse-elsewhere');
    expect((await call(here, playlist)).status).toBe(200);
    expect((await call(elsewhere, stop, { method: 'POST' })).status).toBe(204);
    // The documented cost: this isolate renewed less than a second ago, so it does not ask again yet.
    expect((await call(here, playlist)).status).toBe(200);
    await pause(1100);
    expect(await problemCode(await call(here, playlist))).toBe('stream-ended');
  });

  it.each([
    ['STREAM_RENEWAL_REUSE_SECONDS', '61'],
    ['STREAM_RENEWAL_REUSE_SECONDS', '-1'],
    ['STREAM_RENEWAL_REUSE_SECONDS', 'ten'],
  ])('refuses %s=%s at startup with a message naming the variable', async (name, value) => {
    const response = await call(envWith({ [name]: value }), '/healthz');
    expect(response.status).toBe(500);
    expect((await response.json()) as { code: string; detail: string }).toMatchObject({ code: 'config-invalid', detail: expect.stringContaining(`${name}: expected`) });
  });

  it('refuses a reuse window longer than half the lease', async () => {
    const response = await call(envWith({ STREAM_LEASE_SECONDS: '20', STREAM_RENEWAL_REUSE_SECONDS: '11' }), '/healthz');
    expect(response.status).toBe(500);
    expect((await response.json()) as { detail: string }).toMatchObject({ detail: expect.stringContaining('STREAM_RENEWAL_REUSE_SECONDS: expected at most half of STREAM_LEASE_SECONDS (10), received 11') });
  });
});
