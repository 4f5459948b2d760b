import { ProblemError } from '@cascade/common';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { requireApiToken } from '../src/http/require-api-token.ts';

function appWith(tokens: string[]): Hono {
  const app = new Hono();
  app.use('/api/*', requireApiToken({ tokens }));
  app.post('/api/thing', (c) => c.text('done'));
  app.onError((error, c) => {
    if (error instanceof ProblemError) return c.json({ code: error.code }, error.status as 401);
    return c.json({ code: 'internal' }, 500);
  });
  return app;
}

const OLD = 'old-token-0123456789abcdef';
const NEW = 'new-token-0123456789abcdef';

describe('requireApiToken (origin operator API)', () => {
  it('lets a request with an accepted bearer token through, old and new alike during a rotation', async () => {
    const app = appWith([OLD, NEW]);
    for (const token of [OLD, NEW]) {
      const res = await app.request('/api/thing', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
  });

  it('refuses a missing header with token-missing and any other token with token-invalid', async () => {
    const app = appWith([NEW]);
    const missing = await app.request('/api/thing', { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ code: 'token-missing' });
    for (const header of [`Bearer ${OLD}`, `Bearer ${NEW}x`, `Bearer ${NEW.slice(0, -1)}`, `Basic ${NEW}`, NEW, 'Bearer ', `Bearer ${'a'.repeat(600)}`]) {
      const res = await app.request('/api/thing', { method: 'POST', headers: { authorization: header } });
      expect(res.status, header).toBe(401);
      expect(await res.json()).toEqual({ code: 'token-invalid' });
    }
  });

  it('refuses everything when no token is configured', async () => {
    const res = await appWith([]).request('/api/thing', { method: 'POST', headers: { authorization: 'Bearer anything-at-all-here' } });
    expect(res.status).toBe(401);
  });

  it('checks its options when built', () => {
    expect(() => requireApiToken({ tokens: [''] })).toThrow(/non-empty strings/);
    expect(() => requireApiToken({} as never)).toThrow(/tokens/);
  });
});
