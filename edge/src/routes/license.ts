import { ProblemError } from '@cascade/common';
import { ClearKeyAdapter, LicenseRequestError, MAX_LICENSE_REQUEST_BYTES, type LicenseAdapter } from '@cascade/licensing/protection';
import { Hono } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { grantKeys } from '../license/grant-keys.ts';
import { readLimitedBody } from '../license/read-limited-body.ts';
import { TitleKeys } from '../license/title-keys.ts';

/** Licences carry keys: never stored by a browser, proxy or CDN. */
const NO_STORE = 'private, no-store';

/** The licence URL a manifest response names for one session (header `x-license-url`). */
export function licenseUrl(edgeOrigin: string, sessionToken: string, system = 'clearkey'): string {
  return `${edgeOrigin}/v1/license/${system}?session=${sessionToken}`;
}

/**
 * `POST /v1/license/{system}?session={sessionToken}`: one route per licence adapter (ClearKey runs
 * here; a vendor adapter for Widevine/PlayReady/FairPlay registers the same way). The route checks the
 * session, reads the challenge through the adapter, runs every entitlement and lease check
 * (grantKeys), and lets the adapter write the licence for the granted keys only.
 */
export function licenseRoutes(services: AccessServices, titleKeys: TitleKeys, adapters: readonly LicenseAdapter[] = [new ClearKeyAdapter()]): Hono {
  const { config, sessions } = services;
  const app = new Hono();
  for (const adapter of adapters) {
    app.post(`/${adapter.route}`, async (c) => {
      const token = c.req.query('session');
      if (token === undefined || token === '') {
        throw new ProblemError('session-token-invalid', 'the licence URL carries the session as ?session=…: use the x-license-url of the manifest response');
      }
      const claims = await sessions.verifySession(token, config.sessionToken.maxSessionSeconds);
      const body = await readLimitedBody(c.req.raw, MAX_LICENSE_REQUEST_BYTES);
      let kids: string[] | undefined;
      try {
        kids = adapter.readChallenge(body).kids;
      } catch (error) {
        if (error instanceof LicenseRequestError) throw new ProblemError('license-request-invalid', error.message);
        throw error;
      }
      const titleId = claims.scope.split('/')[1]!;
      // An opaque challenge (vendor DRM) is granted every key the session may hold; the vendor picks.
      const requested = kids ?? (await services.catalogue.get(titleId)).protection?.keys.map((k) => k.kid) ?? [];
      const keys = await grantKeys(services, titleKeys, claims, requested);
      const answer = await adapter.issue(body, {
        sessionId: claims.sid,
        account: claims.acct,
        titleId,
        keys,
        expiresAt: Date.now() + (config.streams.leaseSeconds + config.streams.graceSeconds) * 1000,
      });
      return c.body(answer.body, 200, { 'content-type': answer.contentType, 'cache-control': NO_STORE });
    });
  }
  app.all('*', () => {
    throw new ProblemError('not-found', `licences are POST /v1/license/{${adapters.map((a) => a.route).join('|')}}?session=…`);
  });
  return app;
}
