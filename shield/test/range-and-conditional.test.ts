import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, problemCode, request, startHarness, type Harness } from './shield-harness.ts';

const PATH = '/vod/demo/video-1080p-00042.m4s';
const BODY = bytesOf(10_000, 42);
const ETAG = '"seg-42"';
const LAST_MODIFIED = 'Fri, 21 Nov 2025 05:00:00 GMT';

describe('byte ranges and conditional requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.origin.objects.set(PATH, { body: BODY, headers: { 'content-type': 'video/iso.segment', 'cache-control': 'max-age=600', etag: ETAG, 'last-modified': LAST_MODIFIED } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('serves a byte range of a cached segment with the exact bytes and Content-Range', async () => {
    await request(h.shield.url, PATH);
    const response = await request(h.shield.url, PATH, { headers: { range: 'bytes=1000-1999' } });

    expect(response.status).toBe(206);
    expect(response.headers['x-cache']).toBe('HIT');
    expect(response.headers['content-range']).toBe('bytes 1000-1999/10000');
    expect(response.headers['content-length']).toBe('1000');
    expect(response.body.equals(BODY.subarray(1000, 2000))).toBe(true);
  });

  it('serves an open-ended range to the end of the object', async () => {
    const response = await request(h.shield.url, PATH, { headers: { range: 'bytes=9990-' } });

    expect(response.status).toBe(206);
    expect(response.headers['content-range']).toBe('bytes 9990-9999/10000');
    expect(response.body.equals(BODY.subarray(9990))).toBe(true);
  });

  it('serves a suffix range with the last N bytes', async () => {
    const response = await request(h.shield.url, PATH, { headers: { range: 'bytes=-500' } });

    expect(response.status).toBe(206);
    expect(response.headers['content-range']).toBe('bytes 9500-9999/10000');
    expect(response.body.equals(BODY.subarray(9500))).toBe(true);
  });

  it('answers 416 range-not-satisfiable for a range past the end', async () => {
    const response = await request(h.shield.url, PATH, { headers: { range: 'bytes=20000-20010' } });

    expect(response.status).toBe(416);
    expect(problemCode(response)).toBe('range-not-satisfiable');
    expect(response.headers['content-range']).toBe('bytes */10000');
  });

  it('falls back to the whole object for a multi-range request', async () => {
    const response = await request(h.shield.url, PATH, { headers: { range: 'bytes=0-9,500-509' } });

    expect(response.status).toBe(200);
    expect(response.body.equals(BODY)).toBe(true);
  });

  it('ignores a malformed Range header and serves the whole object', async () => {
    const response = await request(h.shield.url, PATH, { headers: { range: 'bytes=nonsense' } });

    expect(response.status).toBe(200);
    expect(response.body.equals(BODY)).toBe(true);
  });

  it('serves the whole object when If-Range names another version', async () => {
    const matching = await request(h.shield.url, PATH, { headers: { range: 'bytes=0-9', 'if-range': ETAG } });
    const outdated = await request(h.shield.url, PATH, { headers: { range: 'bytes=0-9', 'if-range': '"older"' } });

    expect(matching.status).toBe(206);
    expect(outdated.status).toBe(200);
    expect(outdated.body.equals(BODY)).toBe(true);
  });

  it('answers HEAD with the headers of a GET and no body', async () => {
    const response = await request(h.shield.url, PATH, { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe('10000');
    expect(response.headers['content-type']).toBe('video/iso.segment');
    expect(response.headers.etag).toBe(ETAG);
    expect(response.body.byteLength).toBe(0);
  });

  it('answers HEAD on a cold object by caching it with one GET to the origin', async () => {
    const cold = '/vod/demo/cold-head.m4s';
    h.origin.objects.set(cold, { body: 'cold-bytes', headers: { 'cache-control': 'max-age=600' } });

    const head = await request(h.shield.url, cold, { method: 'HEAD' });
    const get = await request(h.shield.url, cold);

    expect(head.headers['content-length']).toBe('10');
    expect(head.body.byteLength).toBe(0);
    expect(get.headers['x-cache']).toBe('HIT');
    expect(h.origin.requests.filter((seen) => seen.url === cold).map((seen) => seen.method)).toEqual(['GET']);
  });

  it('answers 304 when If-None-Match matches the ETag', async () => {
    const response = await request(h.shield.url, PATH, { headers: { 'if-none-match': ETAG } });

    expect(response.status).toBe(304);
    expect(response.headers.etag).toBe(ETAG);
    expect(response.body.byteLength).toBe(0);
  });

  it('matches If-None-Match weakly and within a list', async () => {
    const response = await request(h.shield.url, PATH, { headers: { 'if-none-match': `"other", W/${ETAG}` } });

    expect(response.status).toBe(304);
  });

  it('answers 200 when If-None-Match names another version', async () => {
    const response = await request(h.shield.url, PATH, { headers: { 'if-none-match': '"other"' } });

    expect(response.status).toBe(200);
    expect(response.body.equals(BODY)).toBe(true);
  });

  it('answers 304 when the object has not changed since If-Modified-Since', async () => {
    const response = await request(h.shield.url, PATH, { headers: { 'if-modified-since': LAST_MODIFIED } });

    expect(response.status).toBe(304);
  });

  it('never forwards a viewer Range or conditional header for a cacheable object', async () => {
    const seen = h.origin.requests.filter((request) => request.url === PATH);

    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.range).toBeUndefined();
    expect(seen[0]?.headers['if-none-match']).toBeUndefined();
  });
});
