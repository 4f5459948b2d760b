import type { ContentSteering } from '@cascade/manifest-rewriter';
import { isQueryTokenPathway } from './pathway.ts';
import { pathwayPrefix, type PathwayPrefix } from './pathway-base.ts';
import type { SteeringService } from './steering-service.ts';

export interface ManifestSteering {
  /** Media URLs point here (`{token}` once) with this token; undefined: this edge, the session token. */
  publicPrefix?: string;
  token: string;
  steering?: ContentSteering;
  /** The first pathway, for the response header and tests. */
  pathway?: string;
  surgeCapBps: number | null;
}

/**
 * What a new session's manifest needs from steering: the ordered pathways, media URLs written for the first
 * one, and the steering tag (HLS: the variants labelled with the first pathway, the others arrive as
 * clones from the steering server; DASH: one BaseURL@serviceLocation per configured pathway).
 */
export async function steerManifest(
  steering: SteeringService,
  session: { sid: string; country: string | undefined; edgeOrigin: string; token: string; scope: string; format: 'hls' | 'dash'; expires: number; pathwayToken?: (pathwayId: string) => Promise<string> },
): Promise<ManifestSteering> {
  const decision = await steering.decide(session.sid, session.country);
  const { state } = decision;
  // DASH segment URLs resolve against one shared SegmentTemplate, so a query token of one CDN cannot be
  // added per BaseURL: query-token pathways (Akamai, CloudFront) serve HLS only.
  const priority = session.format === 'dash' ? decision.priority.filter((id) => !isQueryTokenPathway(steering.pathway(id)!)) : decision.priority;
  const first = priority[0] === undefined ? undefined : steering.pathway(priority[0]);
  if (first === undefined) return { token: session.token, surgeCapBps: state.surgeCapBps };
  const prefix = await pathwayPrefix(first, session);
  const serverUri = `${session.edgeOrigin}/v1/steering/${session.token}/${session.format}`;
  if (session.format === 'hls') {
    return {
      publicPrefix: prefix.template,
      token: prefix.token,
      steering: { serverUri: `${serverUri}/${first.id}`, defaultPathway: first.id, variantPathway: first.id },
      pathway: first.id,
      surgeCapBps: state.surgeCapBps,
    };
  }
  const ordered = [...priority, ...steering.config.pathways.filter((p) => !isQueryTokenPathway(p)).map((p) => p.id).filter((id) => !priority.includes(id))];
  const locations: { id: string; baseUrl: string }[] = [];
  for (const id of ordered) {
    const pathway = steering.pathway(id)!;
    const p: PathwayPrefix = pathway === first ? prefix : await pathwayPrefix(pathway, session);
    locations.push({ id, baseUrl: p.base });
  }
  return {
    publicPrefix: prefix.template,
    token: prefix.token,
    steering: { serverUri, defaultPathway: first.id, serviceLocations: locations },
    pathway: first.id,
    surgeCapBps: state.surgeCapBps,
  };
}
