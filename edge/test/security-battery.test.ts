import { SignJWT, base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { AUDIENCE, ISSUER, call, makeIssuer, problemCode, testEnv } from './harness.ts';

/**
 * The access-control security battery (issue 3): every attack on the viewer JWT and the session token
 * that the issue lists, through the Worker's fetch handler in workerd. Each must end in a 401 with a
 * stable code, never a 2xx and never a 5xx.
 */
let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;
let sessions: SessionTokens;
const master = '/v1/play/demo/master.m3u8';

beforeAll(async () => {
  issuer = await makeIssuer('ES256');
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
  sessions = new SessionTokens({ keys: parseConfig(edgeEnv).sessionToken.keys });
});

const b64 = (value: unknown) => base64url.encode(JSON.stringify(value));
const now = () => Math.floor(Date.now() / 1000);
const goodClaims = () => ({ sub: 'viewer-1', iss: ISSUER, aud: AUDIENCE, exp: now() + 600, plan: 'premium' });

async function refused(token: string, code: string | RegExp = 'token-invalid'): Promise<void> {
  const response = await call(edgeEnv, `${master}?token=${encodeURIComponent(token)}`);
  expect(response.status).toBe(401);
  const actual = await problemCode(response);
  if (typeof code === 'string') expect(actual).toBe(code);
  else expect(actual).toMatch(code);
}

describe('security battery: viewer JWT', () => {
  it('accepts the well-formed token the attacks below are variations of', async () => {
    expect((await call(edgeEnv, `${master}?token=${await issuer.sign()}`)).status).toBe(200);
  });

  it('refuses alg "none" (unsigned), with and without a trailing signature part', async () => {
    await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(goodClaims())}.`);
    await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(goodClaims())}`);
    await refused(`${b64({ alg: 'NoNe', kid: issuer.jwk.kid })}.${b64(goodClaims())}.`);
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    for (const secret of [issuer.jwks, JSON.stringify(issuer.jwk), issuer.jwk.x!]) {
      const forged = await new SignJWT(goodClaims())
        .setProtectedHeader({ alg: 'HS256', kid: issuer.jwk.kid })
        .sign(new TextEncoder().encode(secret));
      await refused(forged);
    }
  });

  it('refuses an expired token', async () => {
    await refused(await issuer.sign({}, { expiresIn: now() - 120 }), 'token-expired');
  });

  it('refuses a token whose nbf is in the future (beyond the clock tolerance)', async () => {
    await refused(await issuer.sign({ nbf: now() + 600 }));
  });

  it('refuses a wrong aud and a wrong iss', async () => {
    await refused(await issuer.sign({}, { audience: 'cascade-admin' }));
    await refused(await issuer.sign({}, { issuer: 'https://id.cascade.local.evil.example' }));
  });

  it('refuses an unknown kid', async () => {
    await refused(await issuer.sign({}, { header: { kid: 'rotated-away-2019' } }));
  });

  it.each([['../../../etc/passwd'], ["x' OR '1'='1"], ['key"; DROP TABLE keys; --'], ['%2e%2e%2fjwks'], ['\u0000']])(
    'refuses a kid with path or SQL characters: %j',
    async (kid) => {
      await refused(await issuer.sign({}, { header: { kid } }));
    },
  );

  it('ignores jku, x5u and an embedded jwk that point at the attacker’s own key', async () => {
    const attacker = await makeIssuer('ES256', issuer.jwk.kid);
    for (const header of [
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
      { jwk: attacker.jwk },
      { jku: 'https://attacker.example/jwks.json', jwk: attacker.jwk, x5u: 'https://attacker.example/cert.pem' },
    ]) {
      await refused(await attacker.sign({ plan: 'premium' }, { header }));
    }
    // The same headers on a token our issuer did sign change nothing: they are not followed.
    const signedByUs = await issuer.sign({}, { header: { jku: 'https://attacker.example/jwks.json', x5u: 'https://attacker.example/c.pem' } });
    expect((await call(edgeEnv, `${master}?token=${signedByUs}`)).status).toBe(200);
  });

  it('refuses a token over the size limit before verifying it', async () => {
    const response = await call(edgeEnv, `${master}?token=${await issuer.sign({ pad: 'x'.repeat(9000) })}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/at most 8192 allowed/);
  });

  it('refuses a tampered payload (plan upgraded, signature kept)', async () => {
    const [header, , signature] = (await issuer.sign({ plan: 'basic' })).split('.');
    await refused(`${header}.${b64({ ...goodClaims(), plan: 'premium' })}.${signature}`);
  });

  it('refuses a truncated signature', async () => {
    const token = await issuer.sign();
    await refused(token.slice(0, -10));
    await refused(token.slice(0, token.lastIndexOf('.') + 1));
  });
});

describe('security battery: session token', () => {
  const grant = (scope: string, ttlSeconds = 600) => ({ sid: crypto.randomUUID(), sub: 'viewer-1', acct: 'viewer-1', ctry: 'DE', scope, ttlSeconds });

  it('refuses a session token for title A used on title B', async () => {
    const token = await sessions.sign(grant('vod/demo/'));
    const response = await call(edgeEnv, `/v1/media/${token}/vod/other/seg-360p-1.m4s`);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-invalid');
  });

  it('refuses a session token for title A on a sibling path (/demo-extra/)', async () => {
    const token = await sessions.sign(grant('vod/demo/'));
    for (const path of ['vod/demo-extra/seg-360p-1.m4s', 'vod/demoX/seg-360p-1.m4s', 'live/demo/seg-360p-1.m4s']) {
      const response = await call(edgeEnv, `/v1/media/${token}/${path}`);
      expect(response.status, path).toBe(401);
    }
  });

  it('refuses an expired session token', async () => {
    const past = new SessionTokens({ keys: parseConfig(edgeEnv).sessionToken.keys, now: () => now() - 3600 });
    const response = await call(edgeEnv, `/v1/media/${await past.sign(grant('vod/demo/', 60))}/vod/demo/seg-360p-1.m4s`);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-expired');
  });

  it('refuses a session token whose claims were edited (scope widened), signature kept', async () => {
    const [, signature] = (await sessions.sign(grant('vod/demo/'))).split('.');
    const widened = b64({ v: 1, ...grant('vod/other/'), iat: now(), exp: now() + 600, kid: 'test-k2' });
    const response = await call(edgeEnv, `/v1/media/${widened}.${signature}/vod/other/seg-360p-1.m4s`);
    expect(await problemCode(response)).toBe('session-token-invalid');
  });
});

describe('security battery: random-token fuzz', () => {
  // Deterministic pseudo-random inputs (xorshift), so a failure reproduces.
  function generator(seed: number) {
    let state = seed >>> 0 || 1;
    return () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 0x1_0000_0000;
    };
  }
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

  async function fuzzInputs(count: number): Promise<string[]> {
    const random = generator(0xc0ffee);
    const valid = await issuer.sign();
    const [h, p, s] = valid.split('.') as [string, string, string];
    const pick = (text: string) => text[Math.floor(random() * text.length)]!;
    const noise = (length: number) => Array.from({ length }, () => pick(ALPHABET)).join('');
    // A mutation must change what the token says: a different character, and not one of the spare low
    // bits of a segment's last base64url character, which decode to the same bytes (the same token).
    const decodedParts = (token: string) => token.split('.').map((part) => {
      try {
        return Array.from(base64url.decode(part)).join(',');
      } catch {
        return `!${part}`;
      }
    }).join('|');
    const original = decodedParts(valid);
    const mutate = (text: string): string => {
      for (;;) {
        const i = Math.floor(random() * text.length);
        const c = pick(ALPHABET);
        if (c === text[i]) continue;
        const mutated = text.slice(0, i) + c + text.slice(i + 1);
        const whole = valid.includes(text) ? valid.replace(text, mutated) : mutated;
        if (decodedParts(whole) !== original) return mutated;
      }
    };
    const shapes: Array<() => string> = [
      () => noise(1 + Math.floor(random() * 400)),
      () => `${noise(20)}.${noise(60)}.${noise(86)}`,
      () => mutate(valid),
      () => `${h}.${p}.${mutate(s)}`,
      () => `${h}.${mutate(p)}.${s}`,
      () => `${mutate(h)}.${p}.${s}`,
      () => `${b64({ alg: pick('EHRPN') + 'S256', kid: noise(4) })}.${b64({ sub: noise(3), exp: random() * 1e10 })}.${noise(86)}`,
      () => `${b64(random() < 0.5 ? null : [1, 2])}.${b64('str')}.${noise(10)}`,
      () => `${h}.${base64url.encode(noise(50))}.${s}`,
      () => valid.split('.').slice(0, 1 + Math.floor(random() * 2)).join('.'),
    ];
    return Array.from({ length: count }, (_, i) => shapes[i % shapes.length]!());
  }

  it('answers 10,000 random and mutated tokens with 401 only, never a 2xx or a 5xx', async () => {
    const inputs = await fuzzInputs(10_000);
    const statuses = new Map<number, number>();
    const BATCH = 200;
    for (let i = 0; i < inputs.length; i += BATCH) {
      const batch = inputs.slice(i, i + BATCH);
      const results = await Promise.all(
        batch.map(async (token, j) => {
          // Alternate the two ways a token travels: the query string and the Authorization header.
          const response = (i + j) % 2 === 0
            ? await call(edgeEnv, `${master}?token=${encodeURIComponent(token)}`)
            : await call(edgeEnv, master, { headers: { authorization: `Bearer ${token}` } });
          await response.body?.cancel();
          return response.status;
        }),
      );
      for (const status of results) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 10_000 });
  }, 60_000);

  it('answers random session tokens in media URLs with 401 only', async () => {
    const random = generator(0xbeef);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const token = Array.from({ length: 1 + Math.floor(random() * 300) }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
      const response = await call(edgeEnv, `/v1/media/${token}/vod/demo/seg-360p-1.m4s`);
      await response.body?.cancel();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 2000 });
  }, 60_000);
});
