import { nginxSecureLinkHash } from '../cdn-tokens/nginx-secure-link.ts';
import { isQueryTokenPathway, type Pathway } from './pathway.ts';

export interface SessionOnPathway {
  /** The edge's public origin (`https://play.example.com`). */
  edgeOrigin: string;
  /** The session's edge token (for the `self` pathway). */
  token: string;
  /** `vod/{titleId}/` */
  scope: string;
  /** When a CDN token minted now expires (epoch seconds). */
  expires: number;
  /**
   * A session token for the edge-served media playlists of a query-token pathway (the session's claims plus
   * the pathway id). Needed only when such pathways are configured.
   */
  pathwayToken?: (pathwayId: string) => Promise<string>;
}

/** A session's URL prefix on a pathway: `template` holds `{token}` once, `base` has it filled in. */
export interface PathwayPrefix {
  template: string;
  token: string;
  base: string;
}

/**
 * The URL prefix under which this session's title is served on a pathway, with the pathway's token in the
 * path so relative segment URIs inherit it: our edge `…/v1/media/{sessionToken}/{scope}`; nginx secure_link
 * `{baseUrl}{md5}/{expires}/{scope}` (README "CDN tokens": the hash covers `/{scope}`); Akamai and CloudFront:
 * this edge under a session token bound to the pathway (their tokens are query parameters).
 */
export async function pathwayPrefix(pathway: Pathway, session: SessionOnPathway): Promise<PathwayPrefix> {
  if (isQueryTokenPathway(pathway)) {
    // Akamai, CloudFront: media playlists from this edge under a pathway-bound session token; their segment
    // URIs point at the CDN with its token (README "Query-token pathways").
    if (session.pathwayToken === undefined) throw new RangeError(`pathway ${pathway.id}: no pathwayToken to sign its playlist URLs with`);
    const token = await session.pathwayToken(pathway.id);
    const template = `${session.edgeOrigin}/v1/media/{token}/${session.scope}`;
    return { template, token, base: template.replace('{token}', token) };
  }
  if (pathway.baseUrl === 'self') {
    const template = `${session.edgeOrigin}/v1/media/{token}/${session.scope}`;
    return { template, token: session.token, base: template.replace('{token}', session.token) };
  }
  const md5 = await nginxSecureLinkHash({ protectedPath: `/${session.scope}`, expires: session.expires, secret: pathway.secret ?? '' });
  const template = `${pathway.baseUrl.href}{token}/${session.expires}/${session.scope}`;
  return { template, token: md5, base: template.replace('{token}', md5) };
}
