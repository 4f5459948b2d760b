import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { PERMISSIVE_RIGHTS, call, makeIssuer, problemCode, putCatalogueEntry, setCatalogueMode, shieldRequests, testEnv } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let devEnv: Env;
let productionEnv: Env;

beforeAll(async () => {
  issuer = await makeIssuer();
  devEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
  productionEnv = testEnv({ VIEWER_JWKS: issuer.jwks, ENVIRONMENT: 'production', DEV_FEATURES: 'false' });
});

const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const DAY = 86_400_000;

async function play(env: Env, title: string, init: Parameters<typeof call>[2] = {}, claims = {}): Promise<Response> {
  return call(env, `/v1/play/${title}/master.m3u8?token=${await issuer.sign(claims)}`, init);
}

async function problem(response: Response): Promise<{ status: number; code?: string; detail: string } & Record<string, unknown>> {
  const code = await problemCode(response.clone());
  return { ...((await response.json()) as { detail: string }), status: response.status, code };
}

describe('the viewer’s country', () => {
  beforeAll(async () => {
    await putCatalogueEntry('geo-de-only', { rights: { ...PERMISSIVE_RIGHTS, countries: { allow: ['DE'], deny: [] } } });
    await putCatalogueEntry('geo-not-kp', { rights: { ...PERMISSIVE_RIGHTS, countries: { allow: null, deny: ['KP'] } } });
  });

  it('comes from x-dev-country in development', async () => {
    expect((await play(devEnv, 'geo-de-only', { headers: { 'x-dev-country': 'DE' } })).status).toBe(200);
    const refused = await problem(await play(devEnv, 'geo-de-only', { headers: { 'x-dev-country': 'FR' } }));
    expect(refused).toMatchObject({ status: 451, code: 'geo-blocked', country: 'FR' });
    expect(refused.detail).toBe('"geo-de-only" is not available in FR');
  });

  it('refuses a malformed x-dev-country with 400 naming the header', async () => {
    const refused = await problem(await play(devEnv, 'geo-de-only', { headers: { 'x-dev-country': 'de' } }));
    expect(refused).toMatchObject({ status: 400, code: 'bad-request' });
    expect(refused.detail).toMatch(/^x-dev-country: expected an ISO 3166-1 alpha-2 code/);
  });

  it('comes only from request.cf.country in production: client headers are ignored', async () => {
    const spoofed = {
      'x-dev-country': 'DE',
      'cf-ipcountry': 'DE',
      'x-forwarded-for': '85.214.132.117',
      'true-client-ip': '85.214.132.117',
      'x-real-ip': '85.214.132.117',
      'cf-connecting-ip': '85.214.132.117',
      forwarded: 'for=85.214.132.117',
      'x-country-code': 'DE',
    };
    // Platform says France: every header claiming Germany is ignored.
    const fromFrance = await play(productionEnv, 'geo-de-only', { headers: spoofed, cf: { country: 'FR' } });
    expect(fromFrance.status).toBe(451);
    expect(((await fromFrance.json()) as { country: string }).country).toBe('FR');
    expect((await play(productionEnv, 'geo-de-only', { cf: { country: 'DE' } })).status).toBe(200);
    // Platform says North Korea: headers claiming elsewhere do not unlock a denied country.
    const denied = await play(productionEnv, 'geo-not-kp', { headers: { ...spoofed, 'x-dev-country': 'US' }, cf: { country: 'KP' } });
    expect(denied.status).toBe(451);
  });

  it('with no platform country, matches no allow-list but passes a deny-list', async () => {
    expect((await play(productionEnv, 'geo-de-only')).status).toBe(451);
    expect((await play(productionEnv, 'geo-not-kp')).status).toBe(200);
  });

  it('falls back to request.cf.country in development when no x-dev-country is sent', async () => {
    expect((await play(devEnv, 'geo-de-only', { cf: { country: 'DE' } })).status).toBe(200);
  });
});

describe('availability windows', () => {
  beforeAll(async () => {
    await putCatalogueEntry('window-regional', {
      rights: {
        ...PERMISSIVE_RIGHTS,
        windows: [
          { start: iso(-DAY), end: null, regions: ['US'] },
          { start: iso(7 * DAY), end: null, regions: null },
        ],
      },
    });
    await putCatalogueEntry('window-ended', { rights: { ...PERMISSIVE_RIGHTS, windows: [{ start: null, end: iso(-DAY), regions: null }] } });
    await putCatalogueEntry('window-us-only', { rights: { ...PERMISSIVE_RIGHTS, windows: [{ start: null, end: null, regions: ['US'] }] } });
  });

  it('opens a regional window for its countries while the default window is still closed', async () => {
    expect((await play(devEnv, 'window-regional', { headers: { 'x-dev-country': 'US' } })).status).toBe(200);
    const refused = await problem(await play(devEnv, 'window-regional', { headers: { 'x-dev-country': 'GB' } }));
    expect(refused).toMatchObject({ status: 403, code: 'not-available-yet' });
    expect(refused.detail).toMatch(/^"window-regional" opens in GB at \d{4}-\d{2}-\d{2}T/);
    expect(Date.parse(refused['availableFrom'] as string)).toBeGreaterThan(Date.now() + 6 * DAY);
  });

  it('refuses a title whose window has closed with when it closed', async () => {
    const refused = await problem(await play(devEnv, 'window-ended', { headers: { 'x-dev-country': 'GB' } }));
    expect(refused).toMatchObject({ status: 403, code: 'no-longer-available' });
    expect(refused.detail).toMatch(/stopped being available in GB at/);
  });

  it('answers 451 where no window governs the country', async () => {
    expect((await play(devEnv, 'window-us-only', { headers: { 'x-dev-country': 'US' } })).status).toBe(200);
    const refused = await problem(await play(devEnv, 'window-us-only', { headers: { 'x-dev-country': 'IN' } }));
    expect(refused).toMatchObject({ status: 451, code: 'geo-blocked' });
  });
});

describe('entitlements', () => {
  beforeAll(async () => {
    await putCatalogueEntry('premium-only', { rights: PERMISSIVE_RIGHTS, plans: ['premium'], packages: ['sports-plus'] });
  });

  it('refuses a plan the title does not include with 403 naming the plans', async () => {
    const refused = await problem(await play(devEnv, 'premium-only', {}, { plan: 'basic' }));
    expect(refused).toMatchObject({ status: 403, code: 'not-entitled', plans: ['premium'] });
    expect(refused.detail).toBe('the basic plan does not include "premium-only" (plans: premium)');
    expect((await play(devEnv, 'premium-only', {}, { plan: 'premium' })).status).toBe(200);
  });

  it('holds a token restricted to titles or packages to them', async () => {
    expect((await play(devEnv, 'premium-only', {}, { plan: 'premium', titles: ['demo'] })).status).toBe(403);
    expect((await play(devEnv, 'premium-only', {}, { plan: 'premium', titles: ['premium-only'] })).status).toBe(200);
    expect((await play(devEnv, 'premium-only', {}, { plan: 'premium', packages: ['kids'] })).status).toBe(403);
    expect((await play(devEnv, 'premium-only', {}, { plan: 'premium', packages: ['kids', 'sports-plus'] })).status).toBe(200);
  });

  it('lists only renditions within max_height, and refuses a taller rendition’s playlist', async () => {
    const master = await (await play(devEnv, 'demo', {}, { max_height: 480 })).text();
    expect(master).toContain('RESOLUTION=640x360');
    expect(master).not.toContain('RESOLUTION=1280x720');
    expect(master).not.toContain('video-720p.m3u8');
    const playlistUrl = master.split('\n').find((line) => line.endsWith('video-360p.m3u8'))!;
    expect((await call(devEnv, playlistUrl)).status).toBe(200);
    const taller = await problem(await call(devEnv, playlistUrl.replace('video-360p.m3u8', 'video-720p.m3u8')));
    expect(taller).toMatchObject({ status: 403, code: 'not-entitled' });
    // A cap below every rendition leaves nothing to play.
    expect(await problem(await play(devEnv, 'demo', {}, { max_height: 240 }))).toMatchObject({ status: 403, code: 'not-entitled' });
    const mpd = await (await call(devEnv, `/v1/play/demo/manifest.mpd?token=${await issuer.sign({ max_height: 240 })}`)).json() as { code: string };
    expect(mpd.code).toBe('not-entitled');
  });

  it.each([
    [{ max_height: 100 }],
    [{ max_height: '720' }],
    [{ ad_tier: 'gold' }],
    [{ titles: 'demo' }],
    [{ packages: ['../x'] }],
    [{ acct: '' }],
  ])('refuses a malformed entitlement claim %j with 401 token-invalid', async (claims) => {
    const refused = await problem(await play(devEnv, 'demo', {}, claims));
    expect(refused).toMatchObject({ status: 401, code: 'token-invalid' });
    expect(refused.detail).toMatch(/^claim "(max_height|ad_tier|titles|packages|acct)" must be/);
  });
});

describe('the catalogue cache', () => {
  it('answers 404 title-not-found for a title the catalogue does not have, before fetching any manifest', async () => {
    const response = await play(devEnv, 'never-catalogued');
    expect(response.status).toBe(404);
    expect(await problemCode(response)).toBe('title-not-found');
    expect((await shieldRequests()).some((p) => p.startsWith('/vod/never-catalogued/'))).toBe(false);
  });

  it('keeps serving the last good entry while the shield fails, and only within the staleness bound', async () => {
    await putCatalogueEntry('stale-ok', { rights: PERMISSIVE_RIGHTS });
    const env = testEnv({ VIEWER_JWKS: issuer.jwks, CATALOGUE_TTL_SECONDS: '0', CATALOGUE_MAX_STALE_SECONDS: '300' });
    const strict = testEnv({ VIEWER_JWKS: issuer.jwks, CATALOGUE_TTL_SECONDS: '0', CATALOGUE_MAX_STALE_SECONDS: '0' });
    expect((await play(env, 'stale-ok')).status).toBe(200);
    expect((await play(strict, 'stale-ok')).status).toBe(200);
    await setCatalogueMode('stale-ok', 'fail');
    try {
      expect((await play(env, 'stale-ok')).status).toBe(200);
      const failed = await play(strict, 'stale-ok');
      expect(failed.status).toBe(502);
      expect(await problemCode(failed)).toBe('upstream-error');
    } finally {
      await setCatalogueMode('stale-ok', 'ok');
    }
  });

  it('applies changed rights once the entry’s TTL has passed', async () => {
    await putCatalogueEntry('rights-change', { rights: PERMISSIVE_RIGHTS });
    const env = testEnv({ VIEWER_JWKS: issuer.jwks, CATALOGUE_TTL_SECONDS: '0' });
    expect((await play(env, 'rights-change', { headers: { 'x-dev-country': 'DE' } })).status).toBe(200);
    await putCatalogueEntry('rights-change', { rights: { ...PERMISSIVE_RIGHTS, countries: { allow: null, deny: ['DE'] } } });
    expect((await play(env, 'rights-change', { headers: { 'x-dev-country': 'DE' } })).status).toBe(451);
  });

  it('refuses rights it cannot read with 502 instead of guessing', async () => {
    await putCatalogueEntry('rights-unreadable', { rights: { countries: { allow: 'everyone', deny: [] }, windows: [], blackouts: [] } });
    const response = await play(devEnv, 'rights-unreadable');
    expect(response.status).toBe(502);
    expect(await problemCode(response)).toBe('upstream-error');
  });
});
