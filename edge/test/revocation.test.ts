import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { call, makeIssuer, problemCode, testEnv, text } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;
let operatorToken: string;

beforeAll(async () => {
  issuer = await makeIssuer();
  // No per-isolate caching here, so each step sees the list as written; the cache is the next describe's subject.
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, REVOCATION_CACHE_SECONDS: '0' });
  operatorToken = await issuer.sign({ sub: 'ops-1', role: 'operator' });
});

const uris = (playlist: string) => playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

async function openSession(env: Env, claims: Record<string, unknown>): Promise<{ playlistUrl: string; sid: string; segmentUrl: string }> {
  const master = await text(await call(env, `/v1/play/demo/master.m3u8?token=${await issuer.sign(claims)}`));
  const playlistUrl = uris(master).find((uri) => uri.endsWith('video-360p.m3u8'))!;
  const token = /\/v1\/media\/([^/]+)\//.exec(playlistUrl)![1]!;
  const sid = (JSON.parse(atob(token.split('.')[0]!.replaceAll('-', '+').replaceAll('_', '/'))) as { sid: string }).sid;
  const segmentUrl = uris(await text(await call(env, playlistUrl)))[0]!;
  return { playlistUrl, sid, segmentUrl };
}

function revoke(env: Env, body: unknown, token = operatorToken): Promise<Response> {
  return call(env, '/v1/ops/revocations', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('revocation', () => {
  it('refuses a revoked session’s next media-playlist reload with 401 access-revoked', async () => {
    const session = await openSession(edgeEnv, { sub: 'rev-viewer-1' });
    const response = await revoke(edgeEnv, { kind: 'session', id: session.sid, reason: 'credential sharing' });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ kind: 'session', id: session.sid, reason: 'credential sharing' });
    const replay = await call(edgeEnv, session.playlistUrl);
    expect(replay.status).toBe(401);
    expect(await problemCode(replay)).toBe('access-revoked');
  });

  it('refuses an account’s tokens issued before the revocation, on manifests and playlist reloads, and accepts newer ones', async () => {
    const now = Math.floor(Date.now() / 1000);
    const session = await openSession(edgeEnv, { sub: 'member-a', acct: 'acct-rev-2', iat: now - 10 });
    expect((await revoke(edgeEnv, { kind: 'account', id: 'acct-rev-2' })).status).toBe(201);

    const before = await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub: 'member-b', acct: 'acct-rev-2', iat: now - 5 })}`);
    expect(before.status).toBe(401);
    expect(await problemCode(before)).toBe('access-revoked');
    expect((await call(edgeEnv, session.playlistUrl)).status).toBe(401);
    // A token the identity service issued after the revocation (the viewer signed in again) works.
    const after = await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub: 'member-a', acct: 'acct-rev-2', iat: now + 2 })}`);
    expect(after.status).toBe(200);
  });

  it('lists revocations and lifts one', async () => {
    const session = await openSession(edgeEnv, { sub: 'rev-viewer-3' });
    await revoke(edgeEnv, { kind: 'session', id: session.sid });
    const listed = (await (await call(edgeEnv, '/v1/ops/revocations', { headers: { authorization: `Bearer ${operatorToken}` } })).json()) as {
      revocations: Array<{ id: string }>;
    };
    expect(listed.revocations.map((r) => r.id)).toContain(session.sid);
    const lifted = await call(edgeEnv, `/v1/ops/revocations/session/${session.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${operatorToken}` } });
    expect(lifted.status).toBe(204);
    expect((await call(edgeEnv, session.playlistUrl)).status).toBe(200);
    const again = await call(edgeEnv, `/v1/ops/revocations/session/${session.sid}`, { method: 'DELETE', headers: { authorization: `Bearer ${operatorToken}` } });
    expect(again.status).toBe(404);
  });

  it('takes effect in another isolate within its cache time', async () => {
    // Two app instances (two env objects) stand for two isolates; the second caches snapshots for 1 s.
    const other = testEnv({ VIEWER_JWKS: issuer.jwks, REVOCATION_CACHE_SECONDS: '1' });
    const session = await openSession(other, { sub: 'rev-viewer-4' });
    expect((await call(other, session.playlistUrl)).status).toBe(200); // snapshot cached without the revocation
    await revoke(edgeEnv, { kind: 'session', id: session.sid });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(other, session.playlistUrl)).status).toBe(401);
  });

  it('does not check segments (the hot path): they stop when the session’s playlist reloads are refused', async () => {
    const session = await openSession(edgeEnv, { sub: 'rev-viewer-5' });
    await revoke(edgeEnv, { kind: 'session', id: session.sid });
    expect((await call(edgeEnv, session.segmentUrl)).status).toBe(200);
  });
});

describe('the ops revocation API', () => {
  it('requires an operator JWT', async () => {
    const missing = await call(edgeEnv, '/v1/ops/revocations', { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    const viewer = await revoke(edgeEnv, { kind: 'session', id: 'x' }, await issuer.sign({ sub: 'v', role: 'viewer' }));
    expect(viewer.status).toBe(403);
    expect(await problemCode(viewer)).toBe('not-entitled');
  });

  it.each([
    ['not JSON', '{', /^body: expected JSON/],
    ['an unknown kind', { kind: 'device', id: 'x' }, /^kind: expected "session" or "account", received "device"/],
    ['an empty id', { kind: 'session', id: '' }, /^id: expected a string of 1\.\.256 characters/],
    ['a ttl below a minute', { kind: 'account', id: 'a', ttlSeconds: 5 }, /^ttlSeconds: expected an integer in 60\.\./],
    ['a non-string reason', { kind: 'account', id: 'a', reason: 42 }, /^reason: expected a string/],
  ])('refuses %s with 400 naming the field', async (_name, body, detail) => {
    const response = await call(edgeEnv, '/v1/ops/revocations', {
      method: 'POST',
      headers: { authorization: `Bearer ${operatorToken}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(detail);
  });
});
