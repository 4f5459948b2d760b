import type { UrlMapper } from '../../src/index.ts';

export const EDGE_PREFIX = 'https://edge.example/t/TOKEN/';

/** What the test edge writes for an origin URL: the host and path moved under a tokenised edge prefix. */
export function edgeUrlFor(absolute: URL): string {
  return `${EDGE_PREFIX}${absolute.host}${absolute.pathname}${absolute.search}`;
}

/** Maps every http(s) URL through the test edge, records what it was asked, leaves other schemes (skd:) alone. */
export function recordingEdgeMapper(): { map: UrlMapper; calls: string[] } {
  const calls: string[] = [];
  const map: UrlMapper = (absolute) => {
    calls.push(absolute.href);
    return absolute.protocol === 'http:' || absolute.protocol === 'https:' ? edgeUrlFor(absolute) : undefined;
  };
  return { map, calls };
}

export const MARKER_PATTERN = /⟦\d+⟧/g;

/**
 * Replaces every URL by a numbered marker (⟦0⟧, ⟦1⟧ ...) so a test can line output and input up and prove that
 * nothing but the mapped spans changed. calls[n] is the absolute URL behind marker n.
 */
export function markerMapper(): { map: UrlMapper; calls: string[] } {
  const calls: string[] = [];
  const map: UrlMapper = (absolute) => {
    calls.push(absolute.href);
    return `⟦${calls.length - 1}⟧`;
  };
  return { map, calls };
}
