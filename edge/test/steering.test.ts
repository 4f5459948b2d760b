import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { nginxSecureLinkHash } from '../src/cdn-tokens/nginx-secure-link.ts';
import { decidePathways, qualityFactor } from '../src/steering/decide-pathways.ts';
import { parseSteeringConfig } from '../src/steering/parse-steering-config.ts';
import type { PathwayView } from '../src/steering/steering-state.ts';
import { call, makeIssuer, problemCode, testEnv, text } from './harness.ts';

const NGINX_SECRET = 'cdn-b-secure-link-secret-0123';
const PATHWAYS = JSON.stringify([
  { id: 'edge', baseUrl: 'self', tokenFormat: 'edge', weight: 50 },
  { id: 'cdn-b', baseUrl: 'http://cdn-b.test/t/', tokenFormat: 'nginx-secure-link', weight: 50, cost: 0.5 },
]);

function view(id: string, extra: Partial<PathwayView> = {}): PathwayView {
  return { id, weight: 1, regions: [], cost: 1, state: 'active', healthy: true, ...extra };
}

describe('decidePathways (pure decision)', () => {
  const sessions = Array.from({ length: 4000 }, (_, i) => `session-${i}`);

  it('splits new sessions by weight and gives one session the same answer every time', () => {
    const pathways = [view('a', { weight: 75 }), view('b', { weight: 25 })];
    const firsts = sessions.map((sessionId) => decidePathways({ pathways, country: 'IN', sessionId })[0]);
    const shareA = firsts.filter((id) => id === 'a').length / sessions.length;
    expect(shareA).toBeGreaterThan(0.72);
    expect(shareA).toBeLessThan(0.78);
    expect(decidePathways({ pathways, country: 'IN', sessionId: 'session-7' })).toEqual(decidePathways({ pathways, country: 'IN', sessionId: 'session-7' }));
    expect(decidePathways({ pathways, country: 'IN', sessionId: 'session-7' })).toHaveLength(2);
  });

  it('moves only the sessions a weight change has to move (rendezvous hashing)', () => {
    const before = [view('a', { weight: 50 }), view('b', { weight: 50 })];
    const after = [view('a', { weight: 50 }), view('b', { weight: 40 })];
    const moved = sessions.filter((s) => decidePathways({ pathways: before, country: undefined, sessionId: s })[0] !== decidePathways({ pathways: after, country: undefined, sessionId: s })[0]);
    // Every move is from b to a, and about the 5.5% the new weights imply.
    expect(moved.every((s) => decidePathways({ pathways: after, country: undefined, sessionId: s })[0] === 'a')).toBe(true);
    expect(moved.length / sessions.length).toBeLessThan(0.09);
  });

  it('keeps a session on the pathway it reports while that pathway may be used, and moves it when drained', () => {
    const pathways = [view('a', { weight: 1000 }), view('b', { weight: 1 })];
    expect(decidePathways({ pathways, country: undefined, sessionId: 's', current: 'b' })[0]).toBe('b');
    const drained = [view('a', { weight: 1000 }), view('b', { weight: 1, state: 'draining' })];
    expect(decidePathways({ pathways: drained, country: undefined, sessionId: 's', current: 'b' })).toEqual(['a', 'b']);
    const down = [view('a', { weight: 1000 }), view('b', { weight: 1, state: 'down' })];
    expect(decidePathways({ pathways: down, country: undefined, sessionId: 's', current: 'b' })).toEqual(['a']);
    const unhealthy = [view('a', { weight: 1000 }), view('b', { weight: 1, healthy: false })];
    expect(decidePathways({ pathways: unhealthy, country: undefined, sessionId: 's', current: 'b' })).toEqual(['a', 'b']);
  });

  it('serves a region from its own pathways, follows the operator preference, and falls back elsewhere cheapest first', () => {
    const pathways = [view('global', { cost: 3 }), view('india', { regions: ['IN'], weight: 1000 }), view('cheap', { weight: 0, cost: 0.1 })];
    expect(decidePathways({ pathways, country: 'US', sessionId: 's' })).toEqual(['global', 'cheap', 'india']);
    expect(decidePathways({ pathways, country: 'IN', sessionId: 's' })[0]).toBe('india');
    expect(decidePathways({ pathways, country: 'IN', sessionId: 's', preference: ['cheap', 'global'] })).toEqual(['cheap', 'global', 'india']);
  });

  it('lets poor quality cut a pathway’s share, and never answers an empty list', () => {
    const pathways = [view('a'), view('b')];
    const quality = new Map([['b', qualityFactor({ sessions: 10, rebufferRatio: 0.2, errorRatio: 0 })]]);
    const shareB = sessions.filter((s) => decidePathways({ pathways, country: undefined, sessionId: s, quality })[0] === 'b').length / sessions.length;
    expect(shareB).toBeLessThan(0.25);
    expect(decidePathways({ pathways: [view('x', { state: 'down' })], country: undefined, sessionId: 's' })).toEqual(['x']);
  });
});

describe('steering configuration', () => {
  const parse = (env: Record<string, string>) => () => parseSteeringConfig(env, 'development');

  it('accepts pathways and names the variable, the expected and the received value otherwise', () => {
    expect(parseSteeringConfig({ STEERING_PATHWAYS: PATHWAYS, STEERING_TOKEN_SECRETS: JSON.stringify({ 'cdn-b': NGINX_SECRET }) }, 'development').pathways.map((p) => p.id)).toEqual(['edge', 'cdn-b']);
    expect(parseSteeringConfig({}, 'development').pathways).toEqual([]);
    expect(parse({ STEERING_PATHWAYS: '[{"id":"a b","baseUrl":"self","tokenFormat":"edge"}]' })).toThrow(/STEERING_PATHWAYS\[0\]\.id: expected/);
    expect(parse({ STEERING_PATHWAYS: '[{"id":"a","baseUrl":"self","tokenFormat":"akamai-v3"}]' })).toThrow(/tokenFormat: expected edge or nginx-secure-link or akamai or cloudfront, received "akamai-v3"/);
    expect(parse({ STEERING_PATHWAYS: '[{"id":"a","baseUrl":"http://x/t","tokenFormat":"nginx-secure-link"}]', STEERING_TOKEN_SECRETS: '{"a":"0123456789abcdef0"}' })).toThrow(/baseUrl: expected an absolute/);
    expect(parse({ STEERING_PATHWAYS: '[{"id":"a","baseUrl":"http://x/t/","tokenFormat":"nginx-secure-link"}]' })).toThrow(/STEERING_TOKEN_SECRETS\.a: .*received "\(redacted\)"/);
    expect(parse({ STEERING_PATHWAYS: '[{"id":"a","baseUrl":"self","tokenFormat":"edge","weight":0}]' })).toThrow(/at least one pathway with weight > 0/);
    expect(parse({ STEERING_PATHWAYS: '[{"id":"a","baseUrl":"self","tokenFormat":"edge"},{"id":"a","baseUrl":"self","tokenFormat":"edge"}]' })).toThrow(/distinct pathway ids/);
    expect(parse({ STEERING_PATHWAYS: '[{"id":"a","baseUrl":"self","tokenFormat":"edge","wieght":3}]' })).toThrow(/\.wieght: expected one of the fields/);
    expect(parse({ STEERING_PATHWAYS: '{', STEERING_TTL_SECONDS: '5' })).toThrow(/STEERING_PATHWAYS: expected JSON/);
    expect(parse({ STEERING_TTL_SECONDS: '0' })).toThrow(/STEERING_TTL_SECONDS: expected an integer in 1..3600/);
    expect(() => parseSteeringConfig({ STEERING_PATHWAYS: '[{"id":"a","baseUrl":"http://x/t/","tokenFormat":"nginx-secure-link"}]', STEERING_TOKEN_SECRETS: '{"a":"0123456789abcdef0"}' }, 'production')).toThrow(/https: URL/);
  });
});

describe('steered playback', () => {
  let issuer: Awaited<ReturnType<typeof makeIssuer>>;
  let edgeEnv: Env;
  let operator: string;
  const ops = (path: string, init: RequestInit = {}) =>
    call(edgeEnv, `/v1/ops${path}`, { ...init, headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

  beforeAll(async () => {
    issuer = await makeIssuer();
    edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, STEERING_PATHWAYS: PATHWAYS, STEERING_TOKEN_SECRETS: JSON.stringify({ 'cdn-b': NGINX_SECRET }), STEERING_TTL_SECONDS: '5' });
    operator = await issuer.sign({ sub: 'ops-steer', role: 'operator' });
  });

  async function master(sub: string, format: 'master.m3u8' | 'manifest.mpd' = 'master.m3u8', headers: Record<string, string> = {}) {
    const response = await call(edgeEnv, `/v1/play/demo/${format}?token=${await issuer.sign({ sub })}`, { headers });
    expect(response.status).toBe(200);
    return { body: await text(response), pathway: response.headers.get('x-steering-pathway')! };
  }

  it('writes the steering tag and labels the variants with the session’s first pathway; the steering server clones the other with fresh tokens', async () => {
    const seen = new Set<string>();
    for (let i = 0; seen.size < 2 && i < 40; i++) {
      const { body, pathway } = await master(`steer-viewer-${i}`);
      if (seen.has(pathway)) continue;
      seen.add(pathway);
      const tag = /#EXT-X-CONTENT-STEERING:SERVER-URI="([^"]+)",PATHWAY-ID="([^"]+)"/.exec(body)!;
      expect(tag[2]).toBe(pathway);
      const variants = body.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF'));
      expect(variants.length).toBeGreaterThan(0);
      for (const v of variants) expect(v).toMatch(new RegExp(`PATHWAY-ID="${pathway}",STABLE-VARIANT-ID="video-\\d+p\\.m3u8"`));
      const media = body.split('\n').filter((l) => !l.startsWith('#') && l !== '');
      if (pathway === 'cdn-b') {
        const expires = Number(/\/t\/[A-Za-z0-9_-]+\/(\d+)\/vod\/demo\//.exec(media[0]!)![1]);
        const md5 = await nginxSecureLinkHash({ protectedPath: '/vod/demo/', expires, secret: NGINX_SECRET });
        expect(media[0]).toBe(`http://cdn-b.test/t/${md5}/${expires}/vod/demo/video-360p.m3u8`);
      } else {
        expect(media[0]).toMatch(/^http:\/\/edge\.test\/v1\/media\/[^/]+\/vod\/demo\/video-360p\.m3u8$/);
      }

      const steeringUrl = new URL(tag[1]!);
      expect(steeringUrl.pathname).toMatch(new RegExp(`^/v1/steering/[^/]+/hls/${pathway}$`));
      steeringUrl.searchParams.set('_HLS_pathway', pathway);
      steeringUrl.searchParams.set('_HLS_throughput', '5000000');
      const response = await call(edgeEnv, steeringUrl.href);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      const manifest = (await response.json()) as { VERSION: number; TTL: number; 'RELOAD-URI': string; 'PATHWAY-PRIORITY': string[]; 'PATHWAY-CLONES': Array<{ ID: string; 'BASE-ID': string; 'URI-REPLACEMENT': { 'PER-VARIANT-URIS': Record<string, string> } }> };
      expect(manifest).toMatchObject({ VERSION: 1, TTL: 5 });
      // Sticky: the pathway the player is on stays first.
      expect(manifest['PATHWAY-PRIORITY']).toEqual([pathway, pathway === 'edge' ? 'cdn-b' : 'edge']);
      expect(manifest['RELOAD-URI']).toMatch(new RegExp(`^http://edge\\.test/v1/steering/[^/]+/hls/${pathway}$`));
      // The reload URI carries a renewed session token (same session, new expiry) and answers.
      expect((await call(edgeEnv, manifest['RELOAD-URI'])).status).toBe(200);
      const clone = manifest['PATHWAY-CLONES'][0]!;
      expect(manifest['PATHWAY-CLONES']).toHaveLength(1);
      expect(clone['BASE-ID']).toBe(pathway);
      const uri = clone['URI-REPLACEMENT']['PER-VARIANT-URIS']['video-360p.m3u8']!;
      if (clone.ID === 'edge') {
        // The clone's edge URL works: its fresh session token opens the media playlist.
        const playlist = await call(edgeEnv, uri);
        expect(playlist.status).toBe(200);
        expect(await text(playlist)).toContain('#EXTINF');
      } else {
        expect(uri).toMatch(/^http:\/\/cdn-b\.test\/t\/[A-Za-z0-9_-]{22}\/\d+\/vod\/demo\/video-360p\.m3u8$/);
      }
    }
    expect([...seen].sort()).toEqual(['cdn-b', 'edge']);
  });

  it('lists every pathway as a DASH BaseURL with its serviceLocation, first pathway first', async () => {
    const { body, pathway } = await master('steer-dash-1', 'manifest.mpd');
    const locations = [...body.matchAll(/<BaseURL serviceLocation="([^"]+)">([^<]+)<\/BaseURL>/g)].map((m) => m[1]);
    expect(locations[0]).toBe(pathway);
    expect(locations.sort()).toEqual(['cdn-b', 'edge']);
    const server = /<ContentSteering defaultServiceLocation="([^"]+)" queryBeforeStart="false">([^<]+)<\/ContentSteering>/.exec(body)!;
    expect(server[1]).toBe(pathway);
    const response = await call(edgeEnv, `${server[2]!.replaceAll('&amp;', '&')}?_DASH_pathway=${pathway}&_DASH_throughput=2000000`);
    const manifest = (await response.json()) as Record<string, unknown>;
    expect(manifest['PATHWAY-PRIORITY']).toEqual([pathway, pathway === 'edge' ? 'cdn-b' : 'edge']);
    expect(manifest['PATHWAY-CLONES']).toBeUndefined();
  });

  it('refuses bad steering requests precisely', async () => {
    const { body } = await master('steer-bad-1');
    const url = /SERVER-URI="([^"]+)"/.exec(body)![1]!;
    for (const query of ['_HLS_pathway=a%22b', '_HLS_throughput=-1', '_HLS_throughput=1e9', '_HLS_pathway=a&_HLS_pathway=b']) {
      const response = await call(edgeEnv, `${url}?${query}`);
      expect(response.status, query).toBe(400);
      expect(await problemCode(response)).toBe('bad-request');
    }
    expect((await call(edgeEnv, url.replace(/\/hls\/[^/]+$/, '/hls/nope'))).status).toBe(404);
    const forged = await call(edgeEnv, url.replace(/\/v1\/steering\/[^/]+\//, '/v1/steering/bm90LWEtdG9rZW4.c2ln/'));
    expect(forged.status).toBe(401);
  });

  it('drains a pathway for new and playing sessions, audits who did it, and restores it', async () => {
    // A playing session on cdn-b: its steering reload reports cdn-b.
    let onB: { url: string } | undefined;
    for (let i = 0; !onB && i < 40; i++) {
      const { body, pathway } = await master(`steer-drain-${i}`);
      if (pathway === 'cdn-b') onB = { url: /SERVER-URI="([^"]+)"/.exec(body)![1]! };
    }
    const drained = await ops('/cdn/pathways/cdn-b/drain', { method: 'POST' });
    expect(drained.status).toBe(200);
    expect(await drained.json()).toMatchObject({ actor: 'ops-steer', action: 'state', target: 'cdn-b', before: null, after: 'draining' });
    for (let i = 0; i < 10; i++) expect((await master(`steer-after-drain-${i}`)).pathway).toBe('edge');
    const reload = (await (await call(edgeEnv, `${onB!.url}?_HLS_pathway=cdn-b`)).json()) as { 'PATHWAY-PRIORITY': string[] };
    expect(reload['PATHWAY-PRIORITY']).toEqual(['edge', 'cdn-b']);

    const listed = (await (await ops('/cdn/pathways')).json()) as { pathways: Array<{ id: string; state: string; trafficShare: number; health: { up: boolean } }> };
    expect(listed.pathways.find((p) => p.id === 'cdn-b')).toMatchObject({ state: 'draining', health: { up: true } });
    expect((await ops('/cdn/pathways/cdn-b/restore', { method: 'POST' })).status).toBe(200);
    const audit = (await (await ops('/cdn/audit?limit=2')).json()) as { entries: Array<{ actor: string; action: string; before: unknown; after: unknown }> };
    expect(audit.entries.map((e) => [e.actor, e.action, e.before, e.after])).toEqual([
      ['ops-steer', 'state', 'draining', 'active'],
      ['ops-steer', 'state', null, 'draining'],
    ]);
  });

  it('applies weights, region preferences and the surge cap, and refuses bad changes', async () => {
    expect((await ops('/cdn/pathways/edge/weight', { method: 'PUT', body: '{"weight":0}' })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await master(`steer-weight-${i}`)).pathway).toBe('cdn-b');
    expect((await ops('/cdn/pathways/edge/weight', { method: 'PUT', body: '{"weight":50}' })).status).toBe(200);

    expect((await ops('/cdn/regions/DE', { method: 'PUT', body: '{"pathways":["edge","cdn-b"]}' })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await master(`steer-region-${i}`, 'master.m3u8', { 'x-dev-country': 'DE' })).pathway).toBe('edge');
    expect((await ops('/cdn/regions/DE', { method: 'PUT', body: '{"pathways":null}' })).status).toBe(200);

    expect((await ops('/cdn/surge', { method: 'PUT', body: '{"capBps":1000000}' })).status).toBe(200);
    const capped = (await master('steer-surge-1')).body;
    expect(capped).toContain('video-360p.m3u8');
    expect(capped).not.toContain('video-720p.m3u8');
    expect((await ops('/cdn/surge', { method: 'PUT', body: '{"capBps":null}' })).status).toBe(200);
    expect((await master('steer-surge-2')).body).toContain('video-720p.m3u8');

    const bad: Array<[string, RequestInit, number]> = [
      ['/cdn/pathways/edge/weight', { method: 'PUT', body: '{"weight":-1}' }, 400],
      ['/cdn/pathways/edge/weight', { method: 'PUT', body: '{"weight":1.5}' }, 400],
      ['/cdn/pathways/edge/weight', { method: 'PUT', body: '{"weight":1,"x":2}' }, 400],
      ['/cdn/pathways/edge/weight', { method: 'PUT', body: 'not json' }, 400],
      ['/cdn/pathways/nope/drain', { method: 'POST' }, 404],
      ['/cdn/regions/de', { method: 'PUT', body: '{"pathways":["edge"]}' }, 400],
      ['/cdn/regions/DE', { method: 'PUT', body: '{"pathways":["edge","edge"]}' }, 400],
      ['/cdn/regions/DE', { method: 'PUT', body: '{"pathways":["nope"]}' }, 400],
      ['/cdn/surge', { method: 'PUT', body: '{"capBps":"fast"}' }, 400],
      ['/cdn/surge', { method: 'PUT', body: '{"capBps":5}' }, 400],
      ['/cdn/audit?limit=0', {}, 400],
    ];
    for (const [path, init, status] of bad) {
      const response = await ops(path, init);
      expect(response.status, `${init.method ?? 'GET'} ${path} ${String(init.body)}`).toBe(status);
    }
    // Viewers may not steer.
    const viewer = await issuer.sign({ sub: 'just-a-viewer' });
    expect((await call(edgeEnv, '/v1/ops/cdn/pathways/edge/drain', { method: 'POST', headers: { authorization: `Bearer ${viewer}` } })).status).toBe(403);
  });
});
