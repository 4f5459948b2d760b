import { describe, expect, inject, it } from 'vitest';
import { akamaiToken } from '../src/cdn-tokens/akamai-token.ts';
import { cloudFrontCannedUrl, cloudFrontCustomUrl, customPolicyJson } from '../src/cdn-tokens/cloudfront-signed-url.ts';
import { nginxSecureLinkHash } from '../src/cdn-tokens/nginx-secure-link.ts';

/**
 * The edge's CDN tokens (minted in workerd with WebCrypto) checked against verifiers this project did
 * not write: Akamai's EdgeAuth library, AWS's CloudFront signer and node:crypto's RSA-SHA1 verify,
 * nginx's published secure_link example, and a real nginx serving a segment (cdn-verifiers.global-setup.ts).
 */
const verifiers = inject('cdnVerifiers');

async function ask<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${verifiers.verifierUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await response.json()) as T & { error?: string };
  if (response.status !== 200) throw new Error(json.error);
  return json;
}

const now = () => Math.floor(Date.now() / 1000);

describe('Akamai Token Auth 2.0', () => {
  const keyHex = 'aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899';

  it.each([
    ['a session prefix ACL with a start time', { acl: '/vod/demo/*', startTime: 1_767_225_600, endTime: 1_767_247_200 }],
    ['an ACL without a start time', { acl: '/live/ipl-final/*', endTime: 1_767_247_200 }],
    ['a session id', { acl: '/vod/demo/*', startTime: 1_767_225_600, endTime: 1_767_247_200, sessionId: 'sess-42' }],
  ])('matches Akamai’s EdgeAuth library for %s', async (_name, options) => {
    const ours = await akamaiToken({ keyHex, ...options });
    const theirs = await ask<{ token: string }>('/akamai', { keyHex, ...options });
    expect(ours).toBe(theirs.token);
    expect(ours).toMatch(/^(st=\d+~)?exp=\d+~acl=[^~]+(~id=[^~]+)?~hmac=[0-9a-f]{64}$/);
  });

  it('changes the HMAC when the ACL, the expiry or the key changes', async () => {
    const base = await akamaiToken({ keyHex, acl: '/vod/demo/*', endTime: 1_767_247_200 });
    expect(await akamaiToken({ keyHex, acl: '/vod/other/*', endTime: 1_767_247_200 })).not.toBe(base);
    expect(await akamaiToken({ keyHex, acl: '/vod/demo/*', endTime: 1_767_247_201 })).not.toBe(base);
    expect(await akamaiToken({ keyHex: keyHex.replace('aa', 'ab'), acl: '/vod/demo/*', endTime: 1_767_247_200 })).not.toBe(base);
  });

  it('refuses fields that would break the token grammar', async () => {
    await expect(akamaiToken({ keyHex, acl: '/vod/demo/*~exp=9', endTime: 1 })).rejects.toThrow(/acl: expected a path without "~"/);
    await expect(akamaiToken({ keyHex: 'xyz', acl: '/vod/demo/*', endTime: 1 })).rejects.toThrow(/keyHex/);
  });
});

describe('CloudFront signed URLs (RSA-SHA1)', () => {
  const key = { keyPairId: 'K2JCJMDEHXQW5F', privateKeyPem: verifiers.rsaPrivateKeyPem };
  const params = (url: string) => Object.fromEntries(new URL(url).searchParams);

  it('signs a canned-policy URL exactly as AWS’s own signer does', async () => {
    const url = 'https://d111111abcdef8.cloudfront.net/vod/demo/video-720p-00001.m4s';
    const expires = now() + 3600;
    const ours = await cloudFrontCannedUrl(url, key, expires);
    const theirs = await ask<{ url: string }>('/cloudfront/sign', { url, keyPairId: key.keyPairId, privateKeyPem: key.privateKeyPem, dateLessThan: expires });
    expect(params(ours)).toEqual(params(theirs.url));
    expect(params(ours)).toMatchObject({ Expires: String(expires), 'Key-Pair-Id': key.keyPairId });
  });

  it('signs a custom policy over the session’s path prefix that AWS’s signer and an RSA-SHA1 verify accept', async () => {
    const url = 'https://d111111abcdef8.cloudfront.net/vod/demo/master.m3u8';
    const policy = { resource: 'https://d111111abcdef8.cloudfront.net/vod/demo/*', dateLessThan: now() + 3600, dateGreaterThan: now() - 60, ipAddress: '192.0.2.0/24' };
    const ours = await cloudFrontCustomUrl(url, key, policy);
    const json = customPolicyJson(policy);
    const theirs = await ask<{ url: string }>('/cloudfront/sign', { url, keyPairId: key.keyPairId, privateKeyPem: key.privateKeyPem, policy: json });
    expect(params(ours)).toEqual(params(theirs.url));
    const signature = params(ours)['Signature']!;
    expect(await ask<{ valid: boolean }>('/cloudfront/verify', { policy: json, signature })).toEqual({ valid: true });
    // The same signature does not cover a policy with another resource.
    expect(await ask<{ valid: boolean }>('/cloudfront/verify', { policy: json.replace('/vod/demo/*', '/vod/*'), signature })).toEqual({ valid: false });
  });
});

describe('nginx secure_link (MD5)', () => {
  it('reproduces the example in nginx’s ngx_http_secure_link_module documentation', async () => {
    // echo -n '2147483647/s/link127.0.0.1 secret' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
    expect(await nginxSecureLinkHash({ expires: 2_147_483_647, protectedPath: '/s/link127.0.0.1', secret: 'secret' })).toBe('_e4Nc3iduzkWRm01TBBNYw');
  });

  const linkFor = async (scope: string, file: string, expires: number, secret = verifiers.nginxSecret) =>
    `${verifiers.nginxUrl}/t/${await nginxSecureLinkHash({ expires, protectedPath: `/${scope}`, secret })}/${expires}/${scope}${file}`;

  it('gets a real segment from a real nginx with a token for the title’s prefix', async () => {
    const response = await fetch(await linkFor('vod/demo/', 'seg-1.m4s', now() + 600));
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(1000);
    // A fragmented MP4 made by ffmpeg: starts with an ftyp box.
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('ftyp');
  });

  it('is refused by nginx with a bad hash, another title’s token, a wrong secret or an expired time', async () => {
    const expires = now() + 600;
    const good = await linkFor('vod/demo/', 'seg-1.m4s', expires);
    expect((await fetch(good)).status).toBe(200); // so every refusal below is the token's doing
    const tampered = good.replace(/\/t\/(.)/, (_m, c: string) => `/t/${c === 'A' ? 'B' : 'A'}`);
    expect((await fetch(tampered)).status).toBe(403);
    const otherTitle = (await linkFor('vod/other/', 'seg-1.m4s', expires)).replace('/vod/other/', '/vod/demo/');
    expect((await fetch(otherTitle)).status).toBe(403);
    expect((await fetch(await linkFor('vod/demo/', 'seg-1.m4s', expires, 'not-the-secret'))).status).toBe(403);
    expect((await fetch(await linkFor('vod/demo/', 'seg-1.m4s', now() - 10))).status).toBe(410);
    // A later expiry with the old hash: the expiry is inside the hash.
    expect((await fetch(good.replace(`/${expires}/`, `/${expires + 3600}/`))).status).toBe(403);
  });
});
