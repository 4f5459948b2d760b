import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { SEGMENT_BYTES } from './fake-shield.global-setup.ts';
import { call, makeIssuer, problemCode, shieldRequests, testEnv } from './harness.ts';

async function segmentUrl(file: string): Promise<{ env: ReturnType<typeof testEnv>; url: string; path: string }> {
  const issuer = await makeIssuer();
  const env = testEnv({ VIEWER_JWKS: issuer.jwks });
  const sessions = new SessionTokens({ keys: parseConfig(env).sessionToken.keys });
  const token = await sessions.sign({ sid: crypto.randomUUID(), sub: 'retry-viewer', acct: 'retry-viewer', ctry: 'DE', scope: 'vod/demo/', ttlSeconds: 600 });
  const path = `/vod/demo/${file}`;
  return { env, url: `/v1/media/${token}${path}`, path };
}

describe('a shield connection that closes before any answer', () => {
  it('is tried once more, and the viewer gets the object (a kept-alive socket closed as it was reused)', async () => {
    const { env, url, path } = await segmentUrl(`seg-reset-once-${crypto.randomUUID()}.m4s`);
    const response = await call(env, url);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(SEGMENT_BYTES);
    expect((await shieldRequests()).filter((p) => p === path)).toHaveLength(2);
  });

  it('is 502 upstream-unreachable after the second try fails too, with no third', async () => {
    const { env, url, path } = await segmentUrl(`seg-reset-always-${crypto.randomUUID()}.m4s`);
    const response = await call(env, url);
    expect(response.status).toBe(502);
    expect(await problemCode(response)).toBe('upstream-unreachable');
    expect((await shieldRequests()).filter((p) => p === path)).toHaveLength(2);
  });
});
