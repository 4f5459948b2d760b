import { ProblemError } from '@cascade/common';
import { bytesToKeyId } from '@cascade/licensing/protection';
import type { AccessServices } from '../access-services.ts';
import type { TitleKeys } from './title-keys.ts';
import { grantKeys } from './grant-keys.ts';

/** `{vod|live}/{titleId}/key/{32 hex digits}`: the key URI an AES-128 media playlist names (relative `key/<KID hex>`). */
const KEY_PATH = /^(?:vod|live)\/[^/]+\/key\/([^/]*)$/;

/** The KID (UUID form) when `rawPath` is an HLS AES-128 key URI, else undefined; a malformed KID is refused. */
export function hlsKeyKid(rawPath: string): string | undefined {
  const hex = KEY_PATH.exec(rawPath)?.[1];
  if (hex === undefined) return undefined;
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new ProblemError('license-request-invalid', 'an AES-128 key URI ends in key/{KID as 32 lower-case hex digits}');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytesToKeyId(bytes);
}

/**
 * HLS AES-128 key delivery (RFC 8216 §5.2): the raw 16-byte key, after exactly the checks a ClearKey
 * licence passes (grantKeys: revocation, availability, the key is this title's, its tier is within the
 * session's cap, the lease, which this renews). The session is checked with the licence route's rule
 * (signature, scope, session age) because VOD playlists are not reloaded while the key is fetched.
 */
export async function hlsKeyResponse(services: AccessServices, titleKeys: TitleKeys, token: string, rawPath: string, kid: string): Promise<Response> {
  const claims = await services.sessions.verifyForReload(token, rawPath, services.config.sessionToken.maxSessionSeconds);
  const [key] = await grantKeys(services, titleKeys, claims, [kid]);
  return new Response(key!.key, {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', 'cache-control': 'private, no-store' },
  });
}
