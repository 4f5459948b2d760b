import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { parse as parseMpd } from 'mpd-parser';

/** Parses with an independent XML parser (xmldom), failing on any well-formedness error. */
export function parseXml(text: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`xmldom ${level}: ${message}`);
    },
  }).parseFromString(text, 'application/xml');
}

export function serializeXml(document: Document): string {
  return new XMLSerializer().serializeToString(document);
}

/** A canonical form of the element tree: names, sorted attributes, trimmed text; comments and layout dropped. */
export function canonicalXml(text: string): unknown {
  const walk = (node: Element): unknown => ({
    name: node.nodeName,
    attributes: Array.from(node.attributes).map((a) => `${a.name}=${a.value}`).sort(),
    children: Array.from(node.childNodes).flatMap((child) => {
      if (child.nodeType === 1) return [walk(child as Element)];
      if (child.nodeType === 3 || child.nodeType === 4) {
        const value = (child.nodeValue ?? '').trim();
        return value === '' ? [] : [value];
      }
      return [];
    }),
  });
  return walk(parseXml(text).documentElement!);
}

export interface ParsedDash {
  playlists: { height: number | undefined; bandwidth: number; segmentUrls: string[] }[];
  audio: Record<string, { language: string; default: boolean }>;
  contentSteering: { serverURL: string; defaultServiceLocation?: string } | undefined;
}

/** What mpd-parser (the parser behind VHS) makes of an MPD fetched from `manifestUri`. */
export function parseDash(text: string, manifestUri: string): ParsedDash {
  const manifest = parseMpd(text, { manifestUri }) as {
    playlists: { attributes: { BANDWIDTH: number; RESOLUTION?: { height: number } }; segments: { resolvedUri: string; map?: { resolvedUri: string } }[] }[];
    mediaGroups: { AUDIO?: { audio?: Record<string, { language: string; default: boolean }> } };
    contentSteering?: ParsedDash['contentSteering'];
  };
  return {
    playlists: manifest.playlists.map((p) => ({
      height: p.attributes.RESOLUTION?.height,
      bandwidth: p.attributes.BANDWIDTH,
      segmentUrls: p.segments.flatMap((s) => [s.resolvedUri, ...(s.map ? [s.map.resolvedUri] : [])]),
    })),
    audio: manifest.mediaGroups.AUDIO?.audio ?? {},
    contentSteering: manifest.contentSteering,
  };
}
