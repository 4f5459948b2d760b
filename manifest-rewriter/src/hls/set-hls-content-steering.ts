import type { ContentSteering } from '../content-steering.ts';
import { attributeValue, removeLine, type HlsLine, type MultivariantPlaylist } from './multivariant-playlist.ts';

/**
 * Writes one EXT-X-CONTENT-STEERING tag (RFC 8216bis 4.4.6.6) in place of the first existing one, or right
 * after #EXTM3U; further ones are removed (the tag MUST NOT appear more than once). With `variantPathway`,
 * the variants are labelled with that pathway and stable ids (see ContentSteering).
 */
export function setHlsContentSteering(playlist: MultivariantPlaylist, steering: ContentSteering): void {
  const pathway = steering.defaultPathway === undefined ? '' : `,PATHWAY-ID="${steering.defaultPathway}"`;
  const tag = `#EXT-X-CONTENT-STEERING:SERVER-URI="${steering.serverUri}"${pathway}`;
  if (steering.variantPathway !== undefined) labelVariants(playlist, steering.variantPathway);
  const existing = playlist.lines.filter((line) => line.name === 'EXT-X-CONTENT-STEERING');
  const first = existing[0];
  if (first === undefined) {
    const at = playlist.headerEnd;
    const lead = at > 0 && playlist.text.charCodeAt(at - 1) !== 10 ? playlist.newline : '';
    playlist.edits.push({ start: at, end: at, text: lead + tag + (lead === '' ? playlist.newline : '') });
    return;
  }
  removeLine(playlist, first);
  playlist.edits.push({ start: first.lineStart, end: first.lineStart, text: tag + playlist.newline });
  for (const line of existing.slice(1)) removeLine(playlist, line);
}

// STABLE-VARIANT-ID / STABLE-RENDITION-ID characters (RFC 8216bis 4.4.6.1, 4.4.6.2).
const STABLE_ID = /^[A-Za-z0-9+/=._-]+$/;

/** The URI's path as written (no query, no fragment) when it is a valid stable id (relative URIs only), else undefined. */
export function stableIdFor(uri: string): string | undefined {
  const path = uri.split(/[?#]/, 1)[0]!;
  return path !== '' && STABLE_ID.test(path) ? path : undefined;
}

function setQuoted(playlist: MultivariantPlaylist, line: HlsLine, name: string, value: string, replace: boolean): void {
  const attribute = line.attributes?.find((a) => a.name === name);
  if (attribute === undefined) playlist.edits.push({ start: line.end, end: line.end, text: `,${name}="${value}"` });
  else if (replace) playlist.edits.push({ start: attribute.valueStart, end: attribute.valueEnd, text: value });
}

function labelVariants(playlist: MultivariantPlaylist, pathwayId: string): void {
  const { text } = playlist;
  for (const variant of playlist.variants) {
    if (playlist.removed.has(variant.tag)) continue;
    setQuoted(playlist, variant.tag, 'PATHWAY-ID', pathwayId, true);
    const id = stableIdFor(text.slice(variant.uri.start, variant.uri.end));
    if (id !== undefined) setQuoted(playlist, variant.tag, 'STABLE-VARIANT-ID', id, false);
  }
  for (const line of playlist.iFrameVariants) {
    if (playlist.removed.has(line)) continue;
    setQuoted(playlist, line, 'PATHWAY-ID', pathwayId, true);
    const uri = attributeValue(text, line, 'URI');
    const id = uri === undefined ? undefined : stableIdFor(uri);
    if (id !== undefined) setQuoted(playlist, line, 'STABLE-VARIANT-ID', id, false);
  }
  for (const line of playlist.media) {
    if (playlist.removed.has(line)) continue;
    const uri = attributeValue(text, line, 'URI');
    const id = uri === undefined ? undefined : stableIdFor(uri);
    if (id !== undefined) setQuoted(playlist, line, 'STABLE-RENDITION-ID', id, false);
  }
}
