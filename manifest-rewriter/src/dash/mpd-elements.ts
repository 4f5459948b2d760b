import type { TextEdit } from '../text-edit.ts';
import { decodeXmlEntities } from './xml-escape.ts';
import type { MpdElement } from './scan-mpd.ts';

/** An attribute value with entities decoded, or undefined. */
export function attribute(text: string, element: MpdElement, name: string): string | undefined {
  const found = element.tag.attributes.find((a) => a.name === name);
  return found === undefined ? undefined : decodeXmlEntities(text.slice(found.valueStart, found.valueEnd));
}

export function childrenNamed(element: MpdElement, name: string): MpdElement[] {
  return element.children.filter((c) => c.name === name);
}

/** The edits a transform asks for plus the element spans it removes; URL edits inside removed spans are dropped. */
export interface MpdEdits {
  edits: TextEdit[];
  removed: MpdElement[];
}

/** The span to delete for an element: with its indentation and line break when it stands on lines of its own. */
export function removalSpan(text: string, element: MpdElement): { start: number; end: number } {
  let start = element.start;
  while (start > 0 && (text.charCodeAt(start - 1) === 32 || text.charCodeAt(start - 1) === 9)) start--;
  if (start > 0 && text.charCodeAt(start - 1) === 10) {
    start--;
    if (start > 0 && text.charCodeAt(start - 1) === 13) start--;
    return { start, end: element.end };
  }
  return { start: element.start, end: element.end };
}

/** The whitespace before an element on its line, to indent a sibling inserted next to it. */
export function indentationOf(text: string, element: MpdElement): string {
  let start = element.start;
  while (start > 0 && (text.charCodeAt(start - 1) === 32 || text.charCodeAt(start - 1) === 9)) start--;
  const newline = start > 0 && text.charCodeAt(start - 1) === 10 ? (start > 1 && text.charCodeAt(start - 2) === 13 ? '\r\n' : '\n') : '';
  return newline + text.slice(start, element.start);
}

/** Which kind of track an AdaptationSet carries (ISO/IEC 23009-1 5.3.3: @contentType, else @mimeType, else codecs). */
export function contentTypeOf(text: string, adaptationSet: MpdElement): 'video' | 'audio' | 'text' | 'other' {
  const declared = attribute(text, adaptationSet, 'contentType');
  if (declared === 'video' || declared === 'audio' || declared === 'text') return declared;
  const representation = childrenNamed(adaptationSet, 'Representation')[0];
  const mime = attribute(text, adaptationSet, 'mimeType') ?? (representation && attribute(text, representation, 'mimeType')) ?? '';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('text/') || mime === 'application/ttml+xml') return 'text';
  const codecs = attribute(text, adaptationSet, 'codecs') ?? (representation && attribute(text, representation, 'codecs')) ?? '';
  if (/^(stpp|wvtt)/.test(codecs)) return 'text';
  // No declared type: a picture size or a video codec still makes it video, so the rendition filter
  // cannot be sidestepped by leaving the type out.
  const sized = [adaptationSet, ...childrenNamed(adaptationSet, 'Representation')].some((e) => attribute(text, e, 'height') !== undefined || attribute(text, e, 'width') !== undefined);
  if (sized || /^(avc|hvc|hev|av01|vp0|dv)/.test(codecs)) return 'video';
  if (/^(mp4a|ec-3|ac-3|ac-4|opus|flac|dts)/i.test(codecs)) return 'audio';
  return 'other';
}
