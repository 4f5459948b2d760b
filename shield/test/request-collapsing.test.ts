import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesOf, gateAfterSent, problemCode, request, startHarness, type Harness } from './shield-harness.ts';

const SEGMENT = '/vod/demo/video-720p-00001.m4s';

describe('request collapsing', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('sends 200 concurrent requests for a cold object to the origin exactly once, and all get identical bytes', async () => {
    const body = bytesOf(256 * 1024, 7);
    const { gate, onSent } = gateAfterSent(200);
    h.origin.objects.set(SEGMENT, { body, gate, headers: { 'content-type': 'video/mp4', 'cache-control': 'max-age=60' } });

    const responses = await Promise.all(Array.from({ length: 200 }, () => request(h.shield.url, SEGMENT, { onSent })));

    expect(h.origin.count(SEGMENT)).toBe(1);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.equals(body)).toBe(true);
    }
    const sources = responses.map((response) => response.headers['x-cache']);
    expect(sources.filter((source) => source === 'MISS')).toHaveLength(1);
    // A request the shield read only after the answer arrived is a HIT, which is also correct; the
    // single origin fetch above is what proves the collapsing.
    expect(sources.filter((source) => source === 'COLLAPSED' || source === 'HIT')).toHaveLength(199);
    expect(sources.filter((source) => source === 'COLLAPSED').length).toBeGreaterThan(0);

    const metrics = await (await fetch(`${h.shield.url}/metrics`)).text();
    expect(metrics).toMatch(/shield_origin_fetches_total\{status="200",service="shield"\} 1\n/);
    const collapsed = sources.filter((source) => source === 'COLLAPSED').length;
    expect(metrics).toContain(`shield_requests_total{result="collapsed",service="shield"} ${collapsed}\n`);
  });

  it('fails every waiter of a failed fetch cleanly and lets the next request try again', async () => {
    const { gate, onSent } = gateAfterSent(20);
    h.origin.objects.set(SEGMENT, { status: 500, body: 'boom', gate });

    const failed = await Promise.all(Array.from({ length: 20 }, () => request(h.shield.url, SEGMENT, { onSent })));

    expect(h.origin.count(SEGMENT)).toBe(1);
    for (const response of failed) {
      expect(response.status).toBe(502);
      expect(problemCode(response)).toBe('upstream-error');
    }

    h.origin.objects.set(SEGMENT, { body: 'recovered', headers: { 'cache-control': 'max-age=60' } });
    const retried = await request(h.shield.url, SEGMENT);
    expect(retried.status).toBe(200);
    expect(retried.body.toString()).toBe('recovered');
    expect(h.origin.count(SEGMENT)).toBe(2);
  });

  it('collapses concurrent misses with a Range header into one whole-object fetch and slices each answer', async () => {
    const body = bytesOf(10_000, 3);
    const { gate, onSent } = gateAfterSent(2);
    h.origin.objects.set(SEGMENT, { body, gate, headers: { 'cache-control': 'max-age=60' } });

    const [first, second] = await Promise.all([
      request(h.shield.url, SEGMENT, { headers: { range: 'bytes=0-99' }, onSent }),
      request(h.shield.url, SEGMENT, { headers: { range: 'bytes=5000-5099' }, onSent }),
    ]);

    expect(h.origin.count(SEGMENT)).toBe(1);
    expect(h.origin.requests[0]?.headers.range).toBeUndefined();
    expect(first?.status).toBe(206);
    expect(first?.body.equals(body.subarray(0, 100))).toBe(true);
    expect(second?.status).toBe(206);
    expect(second?.body.equals(body.subarray(5000, 5100))).toBe(true);
  });
});
