import { describe, expect, it } from 'vitest';
import { ProblemError, parseId, parseMediaPath } from '../src/index.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ProblemError ? error.code : 'not-a-problem-error';
  }
  return undefined;
}

describe('parseMediaPath', () => {
  it('splits an ordinary media path into its segments', () => {
    expect(parseMediaPath('vod/demo/video-720p-00001.m4s')).toEqual(['vod', 'demo', 'video-720p-00001.m4s']);
  });

  it.each([
    ['parent segment', 'vod/../etc/passwd'],
    ['parent segment at the end', 'vod/demo/..'],
    ['encoded dots', 'vod/%2e%2e/secret'],
    ['doubly encoded dots', 'vod/%252e%252e/secret'],
    ['encoded slash', 'vod/demo%2f..%2fx'],
    ['absolute path', '/etc/passwd'],
    ['backslash traversal', 'vod\\..\\..\\etc'],
    ['NUL byte', 'vod/demo/a\u0000.m4s'],
    ['empty segment', 'vod//demo'],
    ['current-directory segment', 'vod/./demo'],
    ['hidden file', 'vod/demo/.env'],
    ['dots inside a name', 'vod/demo/a..b'],
    ['empty path', ''],
    ['too many segments', 'a/b/c/d/e/f/g/h/i'],
  ])('refuses a %s with bad-path', (_name, path) => {
    expect(codeOf(() => parseMediaPath(path))).toBe('bad-path');
  });
});

describe('parseId', () => {
  it('accepts an ordinary title id', () => {
    expect(parseId('demo')).toBe('demo');
  });

  it.each(['..', '.hidden', 'a/b', 'a%2fb', ''])('refuses %j', (id) => {
    expect(codeOf(() => parseId(id))).toBe('bad-path');
  });
});

describe('ProblemError', () => {
  it('renders problem+json with the registered status and the stable code', async () => {
    const response = new ProblemError('title-not-found', 'no title "x"').toResponse('/v1/play/x/master.m3u8');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'title-not-found', status: 404, detail: 'no title "x"', instance: '/v1/play/x/master.m3u8' });
  });
});
