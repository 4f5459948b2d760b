import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devToken } from './dev-token.ts';

/**
 * Catalogue rights across the real tiers: an operator sets rights on the origin, the edge reads them
 * through the shield and refuses or serves by the viewer's (development) country. Uses the `slate`
 * title, which the origin makes on first start, and puts its permissive rights back afterwards: the
 * e2e origin's data persists between runs.
 */
const stack = inject('stack');
const secrets = inject('serviceSecrets');
let token: string;

const PERMISSIVE = { rights: { countries: { allow: null, deny: [] }, windows: [], blackouts: [] } };

function putRights(body: unknown): Promise<Response> {
  return fetch(`${stack.origin}/api/v1/titles/slate/rights`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${secrets.originApiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function play(country: string): Promise<Response> {
  return fetch(`${stack.edge}/v1/play/slate/master.m3u8?token=${token}`, { headers: { 'x-dev-country': country } });
}

beforeAll(async () => {
  token = await devToken('e2e-rights');
});

afterAll(async () => {
  expect((await putRights(PERMISSIVE)).status).toBe(200);
});

describe('catalogue rights through origin → shield → edge', () => {
  it('applies rights an operator sets on the origin within the edge’s catalogue TTL', async () => {
    expect((await putRights({ rights: { ...PERMISSIVE.rights, countries: { allow: null, deny: ['FR'] } } })).status).toBe(200);
    // The edge caches entries for CATALOGUE_TTL_SECONDS (5 s); poll until it has the new copy.
    let refused: Response | undefined;
    for (const started = Date.now(); Date.now() - started < 15_000; ) {
      const response = await play('FR');
      if (response.status === 451) {
        refused = response;
        break;
      }
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(refused?.status).toBe(451);
    expect(await refused!.json()).toMatchObject({ code: 'geo-blocked', country: 'FR' });
    expect((await play('DE')).status).toBe(200);
  });

  it('refuses a rights write without the operator token', async () => {
    const response = await fetch(`${stack.origin}/api/v1/titles/slate/rights`, { method: 'PUT', body: JSON.stringify(PERMISSIVE) });
    expect(response.status).toBe(401);
  });
});
