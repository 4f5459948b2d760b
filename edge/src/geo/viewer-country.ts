import { ProblemError } from '@cascade/common';

const COUNTRY = /^[A-Z]{2}$/;

/**
 * The viewer's country (ISO 3166-1 alpha-2), or undefined when the platform does not know it.
 *
 * Production trusts `request.cf.country` only: Cloudflare sets it from the connecting IP and a
 * client cannot forge it. Headers a client can set (`x-dev-country`, `CF-IPCountry`,
 * `X-Forwarded-For`, `True-Client-IP`, …) are never read. With DEV_FEATURES on, `x-dev-country`
 * stands in so tests and demos can act as a viewer anywhere.
 */
export function viewerCountry(request: Request, devFeatures: boolean): string | undefined {
  if (devFeatures) {
    const header = request.headers.get('x-dev-country');
    if (header !== null) {
      if (!COUNTRY.test(header)) throw new ProblemError('bad-request', `x-dev-country: expected an ISO 3166-1 alpha-2 code in upper case, received ${JSON.stringify(header.slice(0, 16))}`);
      return header;
    }
  }
  const cf = (request as Request<unknown, IncomingRequestCfProperties>).cf;
  const country = cf?.country;
  // "XX" (unknown) and "T1" (Tor) are platform answers too; they match no allow-list entry.
  return typeof country === 'string' && /^[A-Z0-9]{2}$/.test(country) ? country : undefined;
}
