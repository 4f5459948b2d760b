import { ProblemError } from '@cascade/common';
import { Hono, type Context } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { isQueryTokenPathway, PATHWAY_ID } from '../steering/pathway.ts';
import { pathwayPrefix } from '../steering/pathway-base.ts';
import { steeringManifest, type CloneSource } from '../steering/steering-manifest.ts';
import { cmcdReport, hasCmcd } from '../steering/cmcd-report.ts';

const THROUGHPUT = /^\d{1,13}$/;

function queryValue(c: Context, name: string): string | undefined {
  const values = c.req.queries(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw new ProblemError('bad-request', `${name}: expected at most one value, received ${values.length}`);
  return values[0];
}

/** `_HLS_pathway`/`_DASH_pathway` and `_HLS_throughput`/`_DASH_throughput` (bit/s), checked. */
function playerReport(c: Context, prefix: '_HLS_' | '_DASH_'): { pathway: string | undefined; throughputBps: number | undefined } {
  const pathway = queryValue(c, `${prefix}pathway`);
  if (pathway !== undefined && !PATHWAY_ID.test(pathway) && pathway !== '.') {
    throw new ProblemError('bad-request', `${prefix}pathway: expected a pathway id [A-Za-z0-9._~-]{1,32}, received ${JSON.stringify(pathway.slice(0, 80))}`);
  }
  const throughput = queryValue(c, `${prefix}throughput`);
  if (throughput !== undefined && !THROUGHPUT.test(throughput)) {
    throw new ProblemError('bad-request', `${prefix}throughput: expected an integer number of bits per second, received ${JSON.stringify(throughput.slice(0, 80))}`);
  }
  return { pathway, throughputBps: throughput === undefined ? undefined : Number(throughput) };
}

/**
 * `GET /v1/steering/{sessionToken}/hls/{basePathway}` and `…/dash`: the steering server (RFC 8216bis 7.2,
 * DASH-IF content steering). Per session: the pathway priority (operator state, health, region, QoE, sticky
 * to the pathway the player reports), a RELOAD-URI with a renewed session token, and for HLS a clone of
 * every other pathway with freshly minted CDN tokens. The player's throughput report feeds QoE.
 */
export function steeringRoutes(services: AccessServices): Hono {
  const { config, sessions, revocations, steering, catalogue } = services;
  const app = new Hono();

  const answer = async (c: Context, format: 'hls' | 'dash', basePathway: string | undefined) => {
    const token = c.req.param('token')!;
    const claims = await sessions.verifySession(token, config.sessionToken.maxSessionSeconds);
    await revocations.check({ sid: claims.sid, account: claims.acct, iat: claims.iat });
    if (steering.config.pathways.length === 0) throw new ProblemError('not-found', 'content steering is not configured');
    if (basePathway !== undefined && steering.pathway(basePathway) === undefined) {
      throw new ProblemError('not-found', `no pathway ${JSON.stringify(basePathway.slice(0, 40))}`);
    }
    const report = playerReport(c, format === 'hls' ? '_HLS_' : '_DASH_');
    const country = claims.ctry === '' ? undefined : claims.ctry;
    const current = report.pathway !== undefined && steering.pathway(report.pathway) !== undefined ? report.pathway : undefined;
    const decided = (await steering.decide(claims.sid, country, current)).priority;
    // Query-token pathways (Akamai, CloudFront) are not in a DASH session's MPD (steer-manifest.ts).
    const priority = format === 'dash' ? decided.filter((id) => !isQueryTokenPathway(steering.pathway(id)!)) : decided;
    if (current !== undefined) {
      const url = new URL(c.req.url);
      const cmcd = hasCmcd(c.req.raw, url) ? cmcdReport(c.req.raw, url) : undefined;
      const flush = services.qoe.report({
        pathway: current,
        country,
        sessionId: claims.sid,
        ...cmcd,
        throughputKbps: report.throughputBps === undefined ? cmcd?.throughputKbps : report.throughputBps / 1000,
      });
      if (flush) c.executionCtx.waitUntil(flush);
    }

    const now = Math.floor(Date.now() / 1000);
    const ttlSeconds = config.sessionToken.ttlSeconds;
    const grant = { sid: claims.sid, sub: claims.sub, acct: claims.acct, ctry: claims.ctry, scope: claims.scope, mh: claims.mh, iat: claims.iat, ttlSeconds };
    const fresh = await sessions.sign(grant);
    const origin = new URL(c.req.url).origin;
    const reloadUri = `${origin}/v1/steering/${fresh}/${format}${basePathway === undefined ? '' : `/${basePathway}`}`;
    let clones: Parameters<typeof steeringManifest>[0]['clones'];
    if (format === 'hls' && basePathway !== undefined) {
      const entry = await catalogue.get(claims.scope.split('/')[1]!);
      // Only what the viewer may watch: a CDN token covers the whole title, so the edge lists no taller rendition.
      const stableIds = entry.renditions.filter((r) => claims.mh === 0 || r.height === undefined || r.height <= claims.mh).map((r) => r.playlist);
      const sources: CloneSource[] = [];
      for (const pathway of steering.config.pathways) {
        if (pathway.id === basePathway) continue;
        const prefix = await pathwayPrefix(pathway, {
          edgeOrigin: origin,
          token: fresh,
          scope: claims.scope,
          expires: now + ttlSeconds,
          pathwayToken: (pw) => sessions.sign({ ...grant, pw }),
        });
        sources.push({ id: pathway.id, base: prefix.base });
      }
      clones = { basePathway, pathways: sources, stableIds };
    }
    const manifest = steeringManifest({ ttlSeconds: steering.config.ttlSeconds, reloadUri, priority, ...(clones !== undefined && { clones }) });
    return c.json(manifest, 200, { 'cache-control': 'private, no-store' });
  };

  app.get('/:token/hls/:base', (c) => answer(c, 'hls', c.req.param('base')));
  app.get('/:token/dash', (c) => answer(c, 'dash', undefined));
  app.all('*', () => {
    throw new ProblemError('not-found', 'steering URLs have the form /v1/steering/{token}/hls/{pathway} or /v1/steering/{token}/dash');
  });
  return app;
}
