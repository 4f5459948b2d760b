import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { parseConfig } from '../src/config.ts';
import { parseSteeringConfig } from '../src/steering/parse-steering-config.ts';
import { probePathways } from '../src/steering/probe-pathways.ts';
import { call, makeIssuer, problemCode, testEnv, text } from './harness.ts';

/**
 * Akamai and CloudFront as steering pathways (README "Query-token pathways"): their tokens are query
 * parameters, so the edge serves their media playlists with every segment URI absolute on the CDN and
 * tokenized. The tokens are checked with Akamai's EdgeAuth library and node:crypto's RSA-SHA1 verify
 * (cdn-verifiers.global-setup.ts), not with the code that made them.
 */
const verifiers = inject('cdnVerifiers');
const AKAMAI_KEY = '52a152a152a152a152a152a152a152a1';
const KEY_PAIR_ID = 'K2JCJMDEHXQW5F';
let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;

function pathways(weights: { akamai: number; cloudfront: number; edge: number }): string {
  return JSON.stringify([
    { id: 'edge', baseUrl: 'self', tokenFormat: 'edge', weight: weights.edge },
    { id: 'akamai', baseUrl: 'http://akamai.test/ak/', tokenFormat: 'akamai', weight: weights.akamai },
    { id: 'cloudfront', baseUrl: 'http://cloudfront.test/cf/', tokenFormat: 'cloudfront', weight: weights.cloudfront },
  ]);
}

function envWith(weights: { akamai: number; cloudfront: number; edge: number }): Env {
  return testEnv({
    VIEWER_JWKS: issuer.jwks,
    STEERING_PATHWAYS: pathways(weights),
    STEERING_TOKEN_SECRETS: JSON.stringify({ akamai: AKAMAI_KEY, cloudfront: { keyPairId: KEY_PAIR_ID, privateKeyPem: verifiers.rsaPrivateKeyPem } }),
  });
}

async function ask<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${verifiers.verifierUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

function uris(body: string): string[] {
  return body.split('\n').flatMap((line) => (line.startsWith('#') ? [...line.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!) : line === '' ? [] : [line]));
}

/** Akamai's check: the token's ACL covers the path, it has not expired, and EdgeAuth makes the same token. */
async function akamaiAccepts(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const token = parsed.searchParams.get('hdnts') ?? '';
  const fields = Object.fromEntries(token.split('~').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
  const acl = fields['acl'] ?? '';
  const exp = Number(fields['exp']);
  const pattern = new RegExp(`^${acl.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  if (!pattern.test(parsed.pathname) || !(exp > Date.now() / 1000)) return false;
  const expected = await ask<{ token: string }>('/akamai', { keyHex: AKAMAI_KEY, acl, endTime: exp });
  return expected.token === token;
}

/** CloudFront's check: the signed policy's resource covers the URL (without the signing parameters), unexpired, valid RSA-SHA1. */
async function cloudFrontAccepts(url: string): Promise<boolean> {
  const parsed = new URL(url);
  const decode = (value: string) => atob(value.replaceAll('-', '+').replaceAll('_', '=').replaceAll('~', '/'));
  const policy = decode(parsed.searchParams.get('Policy') ?? '');
  const signature = parsed.searchParams.get('Signature') ?? '';
  if (parsed.searchParams.get('Key-Pair-Id') !== KEY_PAIR_ID) return false;
  const statement = (JSON.parse(policy) as { Statement: Array<{ Resource: string; Condition: { DateLessThan: { 'AWS:EpochTime': number } } }> }).Statement[0]!;
  for (const name of ['Policy', 'Signature', 'Key-Pair-Id']) parsed.searchParams.delete(name);
  const resource = new RegExp(`^${statement.Resource.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  if (!resource.test(parsed.href) || !(statement.Condition.DateLessThan['AWS:EpochTime'] > Date.now() / 1000)) return false;
  return (await ask<{ valid: boolean }>('/cloudfront/verify', { policy, signature })).valid;
}

beforeAll(async () => {
  issuer = await makeIssuer();
});

describe('query-token pathways (Akamai, CloudFront)', () => {
  it('checks their secrets at start: an Akamai hex key, a CloudFront key pair id and PKCS#8 key', () => {
    const config = (secrets: unknown) => () => parseSteeringConfig({ STEERING_PATHWAYS: pathways({ akamai: 1, cloudfront: 1, edge: 1 }), STEERING_TOKEN_SECRETS: JSON.stringify(secrets) }, 'development');
    const good = { akamai: AKAMAI_KEY, cloudfront: { keyPairId: KEY_PAIR_ID, privateKeyPem: verifiers.rsaPrivateKeyPem } };
    expect(config(good)().pathways.map((p) => p.tokenFormat)).toEqual(['edge', 'akamai', 'cloudfront']);
    expect(config({ ...good, akamai: 'not-hex-not-hex-not-hex-not-hex' })).toThrow(/STEERING_TOKEN_SECRETS\.akamai: expected the Akamai token key/);
    expect(config({ ...good, akamai: 'abcd' })).toThrow(/STEERING_TOKEN_SECRETS\.akamai/);
    expect(config({ ...good, cloudfront: 'a-string' })).toThrow(/STEERING_TOKEN_SECRETS\.cloudfront: expected \{"keyPairId"/);
    expect(config({ ...good, cloudfront: { keyPairId: 'k"1', privateKeyPem: verifiers.rsaPrivateKeyPem } })).toThrow(/STEERING_TOKEN_SECRETS\.cloudfront/);
    expect(config({ ...good, cloudfront: { keyPairId: KEY_PAIR_ID, privateKeyPem: 'PEM' } })).toThrow(/STEERING_TOKEN_SECRETS\.cloudfront/);
    expect(config({ akamai: AKAMAI_KEY })).toThrow(/STEERING_TOKEN_SECRETS\.cloudfront/);
  });

  for (const id of ['akamai', 'cloudfront'] as const) {
    it(`gives a session on ${id} media playlists whose every segment URI verifies under ${id}’s own scheme`, async () => {
      edgeEnv = envWith({ akamai: id === 'akamai' ? 100 : 0, cloudfront: id === 'cloudfront' ? 100 : 0, edge: 0 });
      const accepts = id === 'akamai' ? akamaiAccepts : cloudFrontAccepts;
      const response = await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub: `qt-${id}` })}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-steering-pathway')).toBe(id);
      const master = await text(response);
      expect(master).toContain(`PATHWAY-ID="${id}"`);
      // Media playlists come from this edge under a pathway-bound session token...
      const variant = uris(master).find((u) => u.endsWith('video-360p.m3u8'))!;
      expect(variant).toMatch(/^http:\/\/edge\.test\/v1\/media\/[^/]+\/vod\/demo\/video-360p\.m3u8$/);
      const playlist = await text(await call(edgeEnv, variant));
      // ...and list init and segments absolute on the CDN with its token.
      const media = uris(playlist);
      expect(media.length).toBeGreaterThanOrEqual(2);
      const cdn = id === 'akamai' ? 'http://akamai.test/ak/vod/demo/' : 'http://cloudfront.test/cf/vod/demo/';
      for (const uri of media) {
        expect(uri.startsWith(cdn), uri).toBe(true);
        expect(await accepts(uri), uri).toBe(true);
      }
      // The CDN's check is real: another path, a forged or a stale token fails it.
      const segment = media.find((u) => u.includes('seg-'))!;
      expect(await accepts(segment.replace('/vod/demo/', '/vod/other/'))).toBe(false);
      if (id === 'akamai') {
        expect(await accepts(segment.replace(/hmac=[0-9a-f]{4}/, 'hmac=0000'))).toBe(false);
        expect(await accepts(segment.replace(/exp=\d+/, 'exp=1000000000'))).toBe(false);
      } else {
        expect(await accepts(segment.replace(/Signature=[A-Za-z0-9~_-]{6}/, 'Signature=AAAAAA'))).toBe(false);
      }
      // A reload keeps the same URIs while the session token is kept (hls.js compares them).
      expect(uris(await text(await call(edgeEnv, variant)))).toEqual(media);
    });
  }

  it('clones a query-token pathway in the steering manifest with playlist URLs that give fresh CDN tokens', async () => {
    edgeEnv = envWith({ akamai: 0, cloudfront: 0, edge: 100 });
    const response = await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub: 'qt-clone' })}`);
    expect(response.headers.get('x-steering-pathway')).toBe('edge');
    const master = await text(response);
    const server = /SERVER-URI="([^"]+)"/.exec(master)![1]!;
    const manifest = (await (await call(edgeEnv, `${server}?_HLS_pathway=edge`)).json()) as { 'PATHWAY-CLONES': Array<{ ID: string; 'URI-REPLACEMENT': { 'PER-VARIANT-URIS': Record<string, string> } }> };
    const clones = Object.fromEntries(manifest['PATHWAY-CLONES'].map((c) => [c.ID, c['URI-REPLACEMENT']['PER-VARIANT-URIS']['video-360p.m3u8']!]));
    expect(Object.keys(clones).sort()).toEqual(['akamai', 'cloudfront']);
    const akamaiMedia = uris(await text(await call(edgeEnv, clones['akamai']!)));
    expect(akamaiMedia.every((u) => u.startsWith('http://akamai.test/ak/vod/demo/'))).toBe(true);
    expect(await akamaiAccepts(akamaiMedia.at(-1)!)).toBe(true);
    const cloudFrontMedia = uris(await text(await call(edgeEnv, clones['cloudfront']!)));
    expect(await cloudFrontAccepts(cloudFrontMedia.at(-1)!)).toBe(true);
  });

  it('probes a query-token pathway at the CDN itself with a fresh token the CDN accepts', async () => {
    const config = parseConfig(envWith({ akamai: 1, cloudfront: 1, edge: 1 }));
    const fetched: string[] = [];
    const results = await probePathways(config, (async (input: RequestInfo | URL) => {
      fetched.push(String(input));
      return new Response('ok', { status: 200 });
    }) as typeof fetch);
    expect(results.map((r) => [r.pathway, r.ok])).toEqual([['edge', true], ['akamai', true], ['cloudfront', true]]);
    const akamaiProbe = fetched.find((u) => u.startsWith('http://akamai.test/ak/'))!;
    const cloudFrontProbe = fetched.find((u) => u.startsWith('http://cloudfront.test/cf/'))!;
    expect(new URL(akamaiProbe).pathname).toBe(`/ak/${config.steering.probePath}`);
    expect(await akamaiAccepts(akamaiProbe)).toBe(true);
    expect(await cloudFrontAccepts(cloudFrontProbe)).toBe(true);
  });

  it('keeps query-token pathways out of DASH (one SegmentTemplate cannot carry two CDNs’ query tokens)', async () => {
    edgeEnv = envWith({ akamai: 100, cloudfront: 100, edge: 1 });
    const response = await call(edgeEnv, `/v1/play/demo/manifest.mpd?token=${await issuer.sign({ sub: 'qt-dash' })}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-steering-pathway')).toBe('edge');
    const mpd = await text(response);
    expect(mpd).toContain('serviceLocation="edge"');
    expect(mpd).not.toContain('akamai');
    expect(mpd).not.toContain('cloudfront');
  });

  it('refuses a playlist token whose pathway claim was edited', async () => {
    edgeEnv = envWith({ akamai: 100, cloudfront: 0, edge: 0 });
    const master = await text(await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${await issuer.sign({ sub: 'qt-forge' })}`));
    const variant = uris(master).find((u) => u.endsWith('video-360p.m3u8'))!;
    const token = /\/v1\/media\/([^/]+)\//.exec(variant)![1]!;
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/'))) as Record<string, unknown>;
    expect(claims['pw']).toBe('akamai');
    const forged = btoa(JSON.stringify({ ...claims, pw: 'cloudfront' })).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
    const refused = await call(edgeEnv, variant.replace(token, `${forged}.${signature}`));
    expect(refused.status).toBe(401);
    expect(await problemCode(refused)).toBe('session-token-invalid');
  });
});
