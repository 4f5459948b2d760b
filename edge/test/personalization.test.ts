import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { preferredLanguages } from '../src/http/preferred-languages.ts';
import { PERMISSIVE_RIGHTS, call, makeIssuer, putCatalogueEntry, testEnv } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let devEnv: Env;

beforeAll(async () => {
  issuer = await makeIssuer();
  devEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
  await putCatalogueEntry('bilingual', { rights: PERMISSIVE_RIGHTS });
});

async function manifest(env: Env, title: string, file: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(env, `/v1/play/${title}/${file}?token=${await issuer.sign({})}`, { headers });
}

describe('manifests personalized by the manifest rewriter', () => {
  it('drops renditions above the operator surge cap from HLS and DASH, keeping the lowest', async () => {
    const capped = testEnv({ VIEWER_JWKS: issuer.jwks, SURGE_CAP_BPS: '1000000' });
    const hls = await (await manifest(capped, 'demo', 'master.m3u8')).text();
    expect(hls).toContain('RESOLUTION=640x360');
    expect(hls).not.toContain('RESOLUTION=1280x720');
    const dash = await (await manifest(capped, 'demo', 'manifest.mpd')).text();
    expect(dash).toContain('bandwidth="900000"');
    expect(dash).not.toMatch(/bandwidth="3000000"/);

    const open = await (await manifest(devEnv, 'demo', 'master.m3u8')).text();
    expect(open).toContain('RESOLUTION=1280x720');
  });

  it('makes the viewer’s Accept-Language the default audio', async () => {
    const hindi = await (await manifest(devEnv, 'bilingual', 'master.m3u8', { 'accept-language': 'hi-IN;q=0.4, hi;q=0.9, en;q=0.8' })).text();
    expect(hindi).toMatch(/LANGUAGE="hi",DEFAULT=YES/);
    expect(hindi).toMatch(/LANGUAGE="en",DEFAULT=NO/);
    const english = await (await manifest(devEnv, 'bilingual', 'master.m3u8')).text();
    expect(english).toMatch(/LANGUAGE="en",DEFAULT=YES/);
    expect(english).toMatch(/LANGUAGE="hi",DEFAULT=NO/);
  });

  it('points every media URL at the edge under the session token, and nothing at the shield', async () => {
    const hls = await (await manifest(devEnv, 'bilingual', 'master.m3u8')).text();
    const uris = [...hls.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!).concat(hls.split('\n').filter((l) => l !== '' && !l.startsWith('#')));
    expect(uris).toHaveLength(3);
    for (const uri of uris) expect(uri).toMatch(/^http:\/\/edge\.test\/v1\/media\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/vod\/bilingual\/[a-z0-9-]+\.m3u8$/);
  });
});

describe('preferredLanguages (Accept-Language, RFC 9110 §12.5.4)', () => {
  it('orders tags by q-value and keeps header order among equals', () => {
    expect(preferredLanguages('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5')).toEqual(['fr-CH', 'fr', 'en', 'de']);
    expect(preferredLanguages('en;q=0.5, hi;q=0.5')).toEqual(['en', 'hi']);
  });

  it('ignores q=0, wildcards, duplicates and malformed entries instead of refusing the request', () => {
    expect(preferredLanguages('en;q=0, hi')).toEqual(['hi']);
    expect(preferredLanguages('*, en, EN, "><script>, en_US, ;q=1, ta;q=2')).toEqual(['en']);
    expect(preferredLanguages(undefined)).toEqual([]);
    expect(preferredLanguages('x'.repeat(2000))).toEqual([]);
  });

  it('keeps at most five languages', () => {
    expect(preferredLanguages('a, b, c, d, e, f, g')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
