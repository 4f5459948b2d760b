import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, ManifestError, rewriteDashUrls, rewriteHlsUris, type ManifestErrorReason } from '../src/index.ts';

const BASE = new URL('https://origin.example/vod/demo/master.m3u8');
const keep = (): undefined => undefined;

function reasonOf(run: () => unknown): ManifestErrorReason | 'no error' | 'other error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    return error instanceof ManifestError ? error.reason : 'other error';
  }
}

describe('ManifestError', () => {
  it.each([
    ['an HTML error page', '<!doctype html><html><body>502 Bad Gateway</body></html>'],
    ['a JSON problem', '{"code":"upstream-error"}'],
    ['an empty body', ''],
    ['an MPD', '<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"/>'],
    ['a tag that only starts like EXTM3U', '#EXTM3UX\nseg.ts\n'],
    ['#EXTM3U on the second line', '\n#EXTM3U\nseg.ts\n'],
  ])('refuses %s as an HLS playlist with reason not-a-playlist', (_, body) => {
    expect(reasonOf(() => rewriteHlsUris(body, BASE, keep))).toBe('not-a-playlist');
  });

  it.each([
    ['an HTML error page', '<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>'],
    ['a plain-text error', '404 page not found'],
    ['a JSON problem', '{"code":"upstream-error"}'],
    ['an empty body', ''],
    ['an HLS playlist', '#EXTM3U\n#EXTINF:4,\nseg.ts\n'],
    ['an XML document with another root', '<?xml version="1.0"?><!-- x --><SmilDocument><BaseURL>a/</BaseURL></SmilDocument>'],
  ])('refuses %s as a DASH MPD with reason not-an-mpd', (_, body) => {
    expect(reasonOf(() => rewriteDashUrls(body, BASE, keep))).toBe('not-an-mpd');
  });

  it.each([
    ['an unterminated comment', '<MPD><!-- never closed </MPD>'],
    ['a mismatched end tag', '<MPD><Period></AdaptationSet></MPD>'],
    ['an unclosed root', '<MPD><Period></Period>'],
    ['an unquoted attribute', '<MPD type=static></MPD>'],
    ['a second root element', '<MPD></MPD><MPD></MPD>'],
    ['elements nested 300 deep', `<MPD>${'<a>'.repeat(300)}${'</a>'.repeat(300)}</MPD>`],
  ])('refuses %s with reason malformed-xml', (_, body) => {
    expect(reasonOf(() => rewriteDashUrls(body, BASE, keep))).toBe('malformed-xml');
  });

  it('refuses a URI that cannot be resolved with reason invalid-url rather than passing it through', () => {
    expect(reasonOf(() => rewriteHlsUris('#EXTM3U\nhttp://[not-an-ip/seg.ts\n', BASE, keep))).toBe('invalid-url');
    expect(reasonOf(() => rewriteDashUrls('<MPD><BaseURL>http://[x/</BaseURL></MPD>', BASE, keep))).toBe('invalid-url');
  });

  it('caps input at 8 MiB by default', () => {
    expect(DEFAULT_MAX_BYTES).toBe(8 * 1024 * 1024);
    const header = '#EXTM3U\n';
    const atLimit = header + 'a'.repeat(DEFAULT_MAX_BYTES - header.length);
    expect(reasonOf(() => rewriteHlsUris(atLimit, BASE, keep))).toBe('no error');
    expect(reasonOf(() => rewriteHlsUris(`${atLimit}a`, BASE, keep))).toBe('too-large');
  });

  it('counts the limit in UTF-8 bytes, not characters, and takes it from options.maxBytes', () => {
    const euros = `#EXTM3U\n#${'€'.repeat(400)}\n`; // 410 characters, 1210 bytes
    expect(reasonOf(() => rewriteHlsUris(euros, BASE, keep, { maxBytes: 1209 }))).toBe('too-large');
    expect(reasonOf(() => rewriteHlsUris(euros, BASE, keep, { maxBytes: 1210 }))).toBe('no error');

    const mpd = `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><!-- ${'é'.repeat(300)} --></MPD>`;
    const bytes = new TextEncoder().encode(mpd).length;
    expect(reasonOf(() => rewriteDashUrls(mpd, BASE, keep, { maxBytes: bytes - 1 }))).toBe('too-large');
    expect(reasonOf(() => rewriteDashUrls(mpd, BASE, keep, { maxBytes: bytes }))).toBe('no error');
  });

  it('says which limit was exceeded', () => {
    expect(() => rewriteDashUrls('<MPD/>'.padEnd(2000), BASE, keep, { maxBytes: 1000 })).toThrow(
      'DASH MPD is larger than the 1000-byte limit',
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects options.maxBytes = %s as a programming error', (maxBytes) => {
    expect(() => rewriteHlsUris('#EXTM3U\n', BASE, keep, { maxBytes })).toThrow(RangeError);
    expect(() => rewriteHlsUris('#EXTM3U\n', BASE, keep, { maxBytes })).toThrow(/options\.maxBytes/);
  });

  it('is an Error with its name, message and reason', () => {
    const error = new ManifestError('too-large', 'too big');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ManifestError');
    expect(error.message).toBe('too big');
    expect(error.reason).toBe('too-large');
  });
});
