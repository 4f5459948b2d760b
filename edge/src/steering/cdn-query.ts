import { akamaiToken } from '../cdn-tokens/akamai-token.ts';
import { cloudFrontCustomUrl } from '../cdn-tokens/cloudfront-signed-url.ts';
import type { Pathway } from './pathway.ts';

/**
 * The query a query-token pathway (Akamai, CloudFront) needs on every URL of a session's title: one token
 * for the title's whole prefix on the CDN, until `expires` (epoch seconds).
 *  - Akamai Token Auth 2.0: `hdnts=exp=…~acl={basePath}{scope}*~hmac=…` (the ACL covers the prefix).
 *  - CloudFront: a custom policy whose resource is `{baseUrl}{scope}*`: `Policy=…&Signature=…&Key-Pair-Id=…`.
 * Both are deterministic for the same inputs, so a live playlist's segment URIs stay the same across reloads
 * while the session token they are derived from is kept.
 */
export async function cdnQuery(pathway: Pathway, scope: string, expires: number): Promise<string> {
  if (pathway.baseUrl === 'self') throw new RangeError(`pathway ${pathway.id}: a CDN query token needs a CDN base URL`);
  if (pathway.tokenFormat === 'akamai') {
    return `hdnts=${await akamaiToken({ keyHex: pathway.secret ?? '', acl: `${pathway.baseUrl.pathname}${scope}*`, endTime: expires })}`;
  }
  if (pathway.tokenFormat === 'cloudfront' && pathway.cloudFront !== undefined) {
    const prefix = `${pathway.baseUrl.href}${scope}`;
    const signed = await cloudFrontCustomUrl(prefix, pathway.cloudFront, { resource: `${prefix}*`, dateLessThan: expires });
    return signed.slice(prefix.length + 1);
  }
  throw new RangeError(`pathway ${pathway.id}: token format ${pathway.tokenFormat} is not a query token`);
}
