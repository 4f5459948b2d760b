import { ProblemError } from '@cascade/common';
import { tierAllowed, type ContentKey } from '@cascade/licensing/protection';
import type { AccessServices } from '../access-services.ts';
import { checkAvailability } from '../rights/check-availability.ts';
import type { SessionClaims } from '../session/session-token.ts';
import type { TitleKeys } from './title-keys.ts';

/**
 * The checks every key leaves the edge through (ClearKey licences and HLS AES-128 key delivery):
 * the session is not revoked, the title is still available in the session's country, every requested
 * KID is a key of the title this session plays, the session's picture cap reaches every key's tier,
 * and the session still holds its stream lease (which this renews). Only then are keys unwrapped.
 */
export async function grantKeys(services: AccessServices, titleKeys: TitleKeys, claims: SessionClaims, kids: readonly string[]): Promise<ContentKey[]> {
  await services.revocations.check({ sid: claims.sid, account: claims.acct, iat: claims.iat });
  const titleId = claims.scope.split('/')[1]!;
  const entry = await services.catalogue.get(titleId);
  checkAvailability(titleId, entry.rights, claims.ctry === '' ? undefined : claims.ctry, Date.now());
  const keys = entry.protection?.keys ?? [];
  const wanted = kids.map((kid) => {
    const key = keys.find((k) => k.kid === kid);
    if (!key) throw new ProblemError('license-key-unknown', `key ${kid} is not a key of title "${titleId}", the title this session plays`, { kid });
    // mh 0 means no cap; protected titles always get the plan's cap at session start.
    if (claims.mh > 0 && !tierAllowed(key.tier, claims.mh)) {
      throw new ProblemError('license-key-not-entitled', `key ${kid} protects ${key.tier} pictures; this session may receive at most ${claims.mh} lines`, { kid, tier: key.tier });
    }
    return key;
  });
  // The lease last: a refused request never renews it, an evicted or ended session gets its code here.
  await services.streams.heartbeat(claims.acct, claims.sid);
  return Promise.all(wanted.map((key) => titleKeys.unwrap(key)));
}
