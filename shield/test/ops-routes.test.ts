import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemCode, request, startHarness, type Harness } from './shield-harness.ts';

describe('ops routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers GET /healthz with 200 {"status":"ok"}', async () => {
    const response = await request(h.shield.url, '/healthz');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ status: 'ok' });
  });

  it('exposes the request, origin and cache series at GET /metrics', async () => {
    h.origin.objects.set('/vod/demo/m.m4s', { body: 'x', headers: { 'cache-control': 'max-age=60' } });
    await request(h.shield.url, '/vod/demo/m.m4s');
    await request(h.shield.url, '/vod/demo/m.m4s');
    await request(h.shield.url, '/vod/../x');
    await request(h.shield.url, '/vod/demo/absent.m4s');

    const response = await request(h.shield.url, '/metrics');
    const text = response.body.toString();

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(text).toMatch(/shield_requests_total\{result="hit",service="shield"\} 1\n/);
    // The 200 and the 404 (negatively cached) are both misses.
    expect(text).toMatch(/shield_requests_total\{result="miss",service="shield"\} 2\n/);
    expect(text).toMatch(/shield_requests_total\{result="error",service="shield"\} 1\n/);
    expect(text).toMatch(/shield_requests_total\{result="pass",service="shield"\} 0\n/);
    expect(text).toMatch(/shield_request_duration_seconds_count\{service="shield",result="hit"\} 1\n/);
    expect(text).toMatch(/shield_origin_fetch_duration_seconds_count\{service="shield"\} 2\n/);
    expect(text).toMatch(/shield_response_bytes_total\{service="shield"\} \d+\n/);
    expect(text).toMatch(/shield_origin_fetches_total\{status="200",service="shield"\} 1\n/);
    expect(text).toMatch(/shield_origin_fetches_total\{status="404",service="shield"\} 1\n/);
    expect(text).toMatch(/shield_cache_objects\{tier="memory",service="shield"\} 2\n/);
    expect(text).toMatch(/shield_cache_bytes\{tier="memory",service="shield"\} \d+\n/);
  });

  it('refuses POST on /healthz with 405', async () => {
    const response = await request(h.shield.url, '/healthz', { method: 'POST' });

    expect(response.status).toBe(405);
    expect(problemCode(response)).toBe('method-not-allowed');
  });
});
