import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cascade/common/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type RunningOrigin } from '../src/start-origin.ts';
import { testConfig } from './support/test-config.ts';

const API_TOKEN = 'rights-test-token-0123456789';
let origin: RunningOrigin;
let dataDir: string;

// A published media record written by hand: the rights API needs a title, not its media.
async function publishRecord(id: string): Promise<void> {
  const dir = join(dataDir, 'vod', id);
  await mkdir(dir, { recursive: true });
  const record = {
    id, kind: 'vod', name: id, durationSeconds: 4, segmentDurationSeconds: 4,
    manifests: { hls: 'master.m3u8', dash: 'manifest.mpd' }, renditions: [],
    rights: { regions: ['*'], availableFrom: null, availableUntil: null }, createdAt: '2026-01-01T00:00:00.000Z',
  };
  await writeFile(join(dir, 'title.json'), JSON.stringify(record));
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'origin-rights-'));
  origin = await startOrigin(testConfig({ ORIGIN_PORT: '0', ORIGIN_DATA_DIR: dataDir, ORIGIN_API_TOKENS: API_TOKEN }), {
    logger: createLogger('origin', 'silent'),
    prepareSample: () => publishRecord('demo'),
  });
  await origin.ready;
  await publishRecord('other');
});

afterAll(async () => {
  await origin.close();
  await rm(dataDir, { recursive: true, force: true });
});

const RIGHTS = {
  rights: {
    countries: { allow: null, deny: ['KP'] },
    windows: [
      { start: '2026-01-01T00:00:00Z', end: null, regions: ['US', 'CA'] },
      { start: '2026-02-01T00:00:00Z', end: '2027-02-01T00:00:00Z', regions: null },
    ],
    blackouts: [],
  },
  packages: ['sports-plus'],
  plans: ['standard', 'premium'],
};

function put(id: string, body: unknown, token = API_TOKEN): Promise<Response> {
  return fetch(`${origin.url}/api/v1/titles/${id}/rights`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('catalogue rights (GET /api/v1/titles/{id}, PUT …/rights)', () => {
  it('serves permissive rights for a title whose rights were never set, not the media record’s legacy field', async () => {
    const entry = (await (await fetch(`${origin.url}/api/v1/titles/other`)).json()) as Record<string, unknown>;
    expect(entry['rights']).toEqual({ countries: { allow: null, deny: [] }, windows: [], blackouts: [] });
    expect(entry['packages']).toEqual([]);
    expect(entry['plans']).toEqual(['basic', 'standard', 'premium']);
    expect(entry['kind']).toBe('vod');
  });

  it('stores rights set by an operator and serves them with the catalogue entry', async () => {
    const response = await put('demo', RIGHTS);
    expect(response.status).toBe(200);
    const entry = (await (await fetch(`${origin.url}/api/v1/titles/demo`)).json()) as Record<string, unknown>;
    expect(entry).toMatchObject({ id: 'demo', kind: 'vod', ...RIGHTS });
    // Written atomically: only the document itself is left in the store, no temporary file.
    expect(await readdir(join(dataDir, 'catalogue'))).toEqual(['demo.rights.json']);
    expect(JSON.parse(await readFile(join(dataDir, 'catalogue', 'demo.rights.json'), 'utf8'))).toEqual(RIGHTS);
  });

  it('refuses a write without the operator token', async () => {
    const missing = await fetch(`${origin.url}/api/v1/titles/demo/rights`, { method: 'PUT', body: '{}' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { code: string }).code).toBe('token-missing');
    const wrong = await put('demo', RIGHTS, 'not-the-operator-token-at-all');
    expect(((await wrong.json()) as { code: string }).code).toBe('token-invalid');
  });

  it('answers 404 title-not-found for rights of a title that does not exist', async () => {
    const response = await put('nope', RIGHTS);
    expect(response.status).toBe(404);
  });

  const withRights = (rights: Record<string, unknown>) => ({ ...RIGHTS, rights: { ...RIGHTS.rights, ...rights } });
  it.each([
    ['not JSON', '{"rights":', /body: expected JSON/],
    ['an array body', [], /body: expected a JSON object/],
    ['an unknown top-level field', { ...RIGHTS, owner: 'x' }, /body\.owner: expected no such field/],
    ['a lower-case country', withRights({ countries: { allow: ['de'], deny: [] } }), /rights\.countries\.allow\[0\]: expected an ISO 3166-1 alpha-2/],
    ['a missing deny list', withRights({ countries: { allow: null } }), /rights\.countries\.deny: expected an array/],
    ['a time without a zone', withRights({ windows: [{ start: '2026-01-01T00:00:00', end: null, regions: null }] }), /rights\.windows\[0\]\.start: expected an ISO 8601 date-time/],
    ['a window that ends before it starts', withRights({ windows: [{ start: '2026-02-01T00:00:00Z', end: '2026-01-01T00:00:00Z', regions: null }] }), /rights\.windows\[0\]\.end: expected a time after start/],
    ['two default windows', withRights({ windows: [{ start: null, end: null, regions: null }, { start: null, end: null, regions: null }] }), /rights\.windows: expected at most one default window/],
    ['a blackout on a VOD title', withRights({ blackouts: [{ start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z', regions: ['IN'] }] }), /rights\.blackouts: expected \[\] for a VOD title/],
    ['an unknown plan', { ...RIGHTS, plans: ['gold'] }, /plans\[0\]: expected one of basic, standard, premium/],
    ['a package id with a slash', { ...RIGHTS, packages: ['a/b'] }, /packages\[0\]: expected a package id/],
  ])('refuses %s with 400 bad-request naming the field', async (_name, body, detail) => {
    const response = await put('demo', body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('bad-request');
    expect(problem.detail).toMatch(detail);
  });

  it('keeps the stored rights when a write is refused', async () => {
    await put('demo', RIGHTS);
    await put('demo', withRights({ countries: { allow: ['xx'], deny: [] } }));
    const entry = (await (await fetch(`${origin.url}/api/v1/titles/demo`)).json()) as Record<string, unknown>;
    expect(entry['rights']).toEqual(RIGHTS.rights);
  });
});
