import { indexWithin } from '../index-within.ts';
import { ManifestError } from '../manifest-error.ts';
import type { RenditionTraits } from '../rendition-filter.ts';
import type { TextEdit } from '../text-edit.ts';
import { parseAttributeList, type HlsAttribute } from './attribute-list.ts';
import { forEachHlsLine, type HlsLineKind } from './hls-lines.ts';

/** One line of a playlist with its offsets: content [start, end), whole line with terminator [lineStart, next). */
export interface HlsLine {
  /** Position in MultivariantPlaylist.lines. */
  index: number;
  kind: HlsLineKind;
  lineStart: number;
  start: number;
  end: number;
  next: number;
  /** Tag name without '#' for tag lines ("EXT-X-STREAM-INF"), else ''. */
  name: string;
  /** Parsed attribute list of a tag line, or undefined when its value is not one. */
  attributes: HlsAttribute[] | undefined;
  /** Attribute values by name (first occurrence wins), built on first use. */
  values?: Map<string, string>;
  /** What the rendition filter reads from this line, built on first use. */
  traits?: RenditionTraits;
}

export interface Variant {
  tag: HlsLine;
  /** The URI line that the EXT-X-STREAM-INF applies to. */
  uri: HlsLine;
}

/**
 * A multivariant playlist as lines plus the edits transforms have asked for. Transforms only record edits and
 * removed lines; nothing is re-serialized, so whatever no transform touched stays byte for byte.
 */
export interface MultivariantPlaylist {
  text: string;
  lines: HlsLine[];
  variants: Variant[];
  iFrameVariants: HlsLine[];
  media: HlsLine[];
  /** Offset right after the #EXTM3U line, where tags the transforms add go. */
  headerEnd: number;
  newline: string;
  removed: Set<HlsLine>;
  edits: TextEdit[];
}

const PLAYLIST_TAGS = ['EXT-X-STREAM-INF', 'EXT-X-I-FRAME-STREAM-INF', 'EXT-X-MEDIA'];

/**
 * True when the playlist has a segment (an EXTINF line), i.e. it is a media playlist. EXTINF comes near the
 * top of a media playlist (RFC 8216bis 4.4.4.1), so the search ends early; only a multivariant playlist,
 * which is small, is searched to the end.
 */
export function hasSegments(text: string): boolean {
  return text.indexOf('\n#EXTINF:') !== -1;
}

/** True when the playlist has any multivariant tag at the start of a line. */
export function hasMultivariantTags(text: string): boolean {
  return PLAYLIST_TAGS.some((tag) => text.includes(`\n#${tag}:`));
}

export function parseMultivariant(text: string, bodyStart: number): MultivariantPlaylist {
  const lines: HlsLine[] = [];
  let lineStart = bodyStart;
  forEachHlsLine(text, bodyStart, (kind, start, end) => {
    let next = text.indexOf('\n', end);
    next = next === -1 ? text.length : next + 1;
    let name = '';
    let attributes: HlsAttribute[] | undefined;
    if (kind === 'tag') {
      const colon = indexWithin(text, ':', start, end);
      name = text.slice(start + 1, colon === -1 ? end : colon);
      if (colon !== -1 && name !== 'EXTINF') attributes = parseAttributeList(text, colon + 1, end);
    }
    lines.push({ index: lines.length, kind, lineStart, start, end, next, name, attributes });
    lineStart = next;
  });

  const variants: Variant[] = [];
  const iFrameVariants: HlsLine[] = [];
  const media: HlsLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.name === 'EXT-X-STREAM-INF') {
      let j = i + 1;
      while (j < lines.length && lines[j]!.kind !== 'uri' && lines[j]!.name !== 'EXT-X-STREAM-INF') j++;
      const uri = lines[j];
      if (uri === undefined || uri.kind !== 'uri') {
        throw new ManifestError('malformed-playlist', `EXT-X-STREAM-INF at offset ${line.start} is not followed by a URI line`);
      }
      if (line.attributes === undefined) {
        throw new ManifestError('malformed-playlist', `EXT-X-STREAM-INF at offset ${line.start} has no valid attribute list`);
      }
      variants.push({ tag: line, uri });
    } else if (line.name === 'EXT-X-I-FRAME-STREAM-INF' && line.attributes !== undefined) {
      iFrameVariants.push(line);
    } else if (line.name === 'EXT-X-MEDIA' && line.attributes !== undefined) {
      media.push(line);
    }
  }
  const first = lines[0];
  const crlf = first !== undefined && text.charCodeAt(first.next - 2) === 13;
  return {
    text,
    lines,
    variants,
    iFrameVariants,
    media,
    headerEnd: first?.next ?? text.length,
    newline: crlf ? '\r\n' : '\n',
    removed: new Set(),
    edits: [],
  };
}

/** The value of an attribute without quotes, or undefined. The first occurrence wins, as players read it. */
export function attributeValue(text: string, line: HlsLine, name: string): string | undefined {
  if (line.values === undefined) {
    line.values = new Map();
    for (const attribute of line.attributes ?? []) {
      if (!line.values.has(attribute.name)) line.values.set(attribute.name, text.slice(attribute.valueStart, attribute.valueEnd));
    }
  }
  return line.values.get(name);
}

export function removeLine(playlist: MultivariantPlaylist, line: HlsLine): void {
  playlist.removed.add(line);
}

/** Removes a variant: its EXT-X-STREAM-INF, its URI line and whatever stands between them (tags that apply to it). */
export function removeVariant(playlist: MultivariantPlaylist, variant: Variant): void {
  for (let i = variant.tag.index; i < playlist.lines.length; i++) {
    const line = playlist.lines[i]!;
    playlist.removed.add(line);
    if (line === variant.uri) return;
  }
}

/** Sets an enumerated-string attribute (DEFAULT=YES): replaces its value in place or appends it to the line. */
export function setEnumeratedAttribute(playlist: MultivariantPlaylist, line: HlsLine, name: string, value: string): void {
  const attribute = line.attributes?.find((a) => a.name === name);
  if (attribute === undefined) {
    playlist.edits.push({ start: line.end, end: line.end, text: `,${name}=${value}` });
  } else if (playlist.text.slice(attribute.valueStart, attribute.valueEnd) !== value) {
    playlist.edits.push({ start: attribute.valueStart, end: attribute.valueEnd, text: value });
  }
}
