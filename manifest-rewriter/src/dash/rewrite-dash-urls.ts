import { ManifestError } from '../manifest-error.ts';
import { assertWithinSizeLimit, resolveMaxBytes, type RewriteOptions } from '../rewrite-options.ts';
import { applyTextEdits, type TextEdit } from '../text-edit.ts';
import { resolveReference, type UrlMapper } from '../url/url-mapper.ts';
import { escapesBaseUrl, SEGMENT_URL_ATTRIBUTES, URL_TEXT_ELEMENTS } from './dash-url-sites.ts';
import { decodeXmlEntities, escapeXmlAttribute, escapeXmlText } from './xml-escape.ts';
import {
  localNameOf,
  lookupNamespace,
  namespaceDeclarations,
  prefixOf,
  type NamespaceDeclarations,
} from './xml-namespaces.ts';
import { scanXml, type XmlCdata, type XmlOpaque, type XmlStartTag } from './xml-scanner.ts';

/** Real MPDs nest about ten levels; the cap keeps namespace lookups and memory bounded on hostile input. */
const MAX_DEPTH = 256;

/** An open element. */
interface Frame {
  /** Qualified name as written, to match the end tag. */
  name: string;
  /** Local name when the element is in the MPD's own namespace, else undefined (extensions are opaque). */
  dashName: string | undefined;
  /** The parent's effective base URL, against which this element's BaseURL children resolve (5.6). */
  inheritedBase: URL;
  /** True when inheritedBase is only the first of several alternative bases (several BaseURLs above). */
  inheritedAmbiguous: boolean;
  /** Effective base for descendants: the first BaseURL child's resolved value, else inheritedBase. */
  base: URL;
  baseAmbiguous: boolean;
  baseUrlCount: number;
}

/** Text content of a URL-bearing element (BaseURL, Location) collected up to its end tag. */
interface TextCapture {
  frame: Frame;
  parent: Frame;
  /** Offset right after the start tag. */
  contentStart: number;
  pieces: (XmlOpaque | XmlCdata)[];
}

/** Where an MPD-level BaseURL goes if the MPD has none: after any ProgramInformation, as the schema orders it. */
interface RootInsertion {
  prefix: string;
  at: number;
  indent: string;
  settled: boolean;
}

/**
 * Rewrites a DASH MPD so that every segment URL resolves through `map`: BaseURL elements at every level,
 * resolved against their parent's effective base (ISO/IEC 23009-1 5.6); an MPD-level BaseURL pointing at the
 * manifest's directory when there is none; and segment URL attributes that would not resolve below the
 * BaseURL. One exception keeps multi-CDN MPDs working: below a level with several BaseURLs, a relative
 * BaseURL is left relative so it still resolves against each (mapped) alternative. The document is scanned,
 * never re-serialized, so everything else is copied byte for byte.
 */
export function rewriteDashUrls(mpd: string, base: URL, map: UrlMapper, options?: RewriteOptions): string {
  assertWithinSizeLimit(mpd, resolveMaxBytes(options), 'DASH MPD');

  const edits: TextEdit[] = [];
  const stack: Frame[] = [];
  const scopes: (NamespaceDeclarations | undefined)[] = [];
  let dashNamespace: string | undefined;
  let insertion: RootInsertion | undefined;
  let rootClosed = false;
  let capture: TextCapture | undefined;
  let afterRootStart = false;
  // The schema puts BaseURL after ProgramInformation, so an inserted one moves past each leading one.
  const afterLeadingProgramInformation = (frame: Frame, parent: Frame, end: number): void => {
    if (frame.dashName === 'ProgramInformation' && parent === stack[0] && insertion && !insertion.settled) insertion.at = end;
  };

  for (const token of scanXml(mpd)) {
    const justOpenedRoot = afterRootStart;
    afterRootStart = false;

    if (token.kind === 'text' || token.kind === 'cdata') {
      if (dashNamespace === undefined && (token.kind === 'cdata' || !isBlankBeforeRoot(mpd, token.start, token.end))) {
        throw notAnMpd();
      }
      if (justOpenedRoot && insertion && token.kind === 'text' && isXmlSpace(mpd, token.start, token.end)) {
        insertion.indent = mpd.slice(token.start, token.end);
      }
      if (capture && capture.frame === stack.at(-1)) capture.pieces.push(token);
      continue;
    }

    if (token.kind === 'start') {
      if (rootClosed) throw new ManifestError('malformed-xml', `a second root element <${token.name}> follows </MPD>`);
      const declarations = namespaceDeclarations(mpd, token);
      scopes.push(declarations);
      const namespace = lookupNamespace(prefixOf(token.name), scopes);
      const parent = stack.at(-1);
      if (parent === undefined) {
        if (localNameOf(token.name) !== 'MPD') throw notAnMpd(`the root element is <${token.name}>`);
        dashNamespace = namespace;
        insertion = { prefix: prefixOf(token.name), at: token.end, indent: '', settled: false };
        afterRootStart = true;
      }
      const inheritedBase = parent?.base ?? base;
      const inheritedAmbiguous = parent?.baseAmbiguous ?? false;
      const frame: Frame = {
        name: token.name,
        dashName: namespace === dashNamespace ? localNameOf(token.name) : undefined,
        inheritedBase,
        inheritedAmbiguous,
        base: inheritedBase,
        baseAmbiguous: inheritedAmbiguous,
        baseUrlCount: 0,
      };
      if (parent !== undefined && parent === stack[0] && insertion && frame.dashName !== 'ProgramInformation') {
        insertion.settled = true;
      }
      if (frame.dashName !== undefined) {
        rewriteSegmentUrlAttributes(mpd, token, frame, map, edits);
        if (parent !== undefined && URL_TEXT_ELEMENTS.has(frame.dashName)) {
          const urlText: TextCapture = { frame, parent, contentStart: token.end, pieces: [] };
          if (token.selfClosing) finishUrlText(mpd, urlText, token, map, edits);
          else capture = urlText;
        }
      }
      if (token.selfClosing) {
        scopes.pop();
        if (parent === undefined) rootClosed = true; // <MPD/> has no Period to play; nothing to insert into
        else afterLeadingProgramInformation(frame, parent, token.end);
      } else {
        if (stack.length >= MAX_DEPTH) {
          throw new ManifestError('malformed-xml', `elements nest deeper than ${MAX_DEPTH} levels at offset ${token.start}`);
        }
        stack.push(frame);
      }
      continue;
    }

    if (token.kind === 'end') {
      const frame = stack.pop();
      scopes.pop();
      if (frame === undefined || frame.name !== token.name) {
        throw new ManifestError('malformed-xml', `</${token.name}> at offset ${token.start} closes ${frame ? `<${frame.name}>` : 'nothing'}`);
      }
      if (capture?.frame === frame) {
        finishUrlText(mpd, capture, undefined, map, edits);
        capture = undefined;
      }
      const parent = stack.at(-1);
      if (parent === undefined) {
        rootClosed = true;
        if (frame.baseUrlCount === 0 && insertion) insertRootBaseUrl(insertion, base, map, edits);
      } else {
        afterLeadingProgramInformation(frame, parent, token.end);
      }
    }
    // Comments, processing instructions and DOCTYPE pass through untouched, wherever they are.
  }

  if (dashNamespace === undefined) throw notAnMpd('no root element');
  if (stack.length > 0) throw new ManifestError('malformed-xml', `<${stack.at(-1)?.name}> is never closed`);
  return applyTextEdits(mpd, edits);
}

function notAnMpd(detail = 'no <MPD> root element'): ManifestError {
  return new ManifestError('not-an-mpd', `not a DASH MPD: ${detail}`);
}

function isXmlSpace(source: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = source.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) return false;
  }
  return true;
}

function isBlankBeforeRoot(source: string, start: number, end: number): boolean {
  const from = start === 0 && source.charCodeAt(0) === 0xfeff ? 1 : start;
  return isXmlSpace(source, from, end);
}

/** Maps segment URL attributes that would not resolve below the effective BaseURL (absolute, //host, /path). */
function rewriteSegmentUrlAttributes(
  source: string,
  tag: XmlStartTag,
  frame: Frame,
  map: UrlMapper,
  edits: TextEdit[],
): void {
  const names = SEGMENT_URL_ATTRIBUTES[frame.dashName ?? ''];
  if (names === undefined) return;
  for (const attribute of tag.attributes) {
    if (!names.includes(attribute.name)) continue;
    const value = decodeXmlEntities(source.slice(attribute.valueStart, attribute.valueEnd)).trim();
    if (!escapesBaseUrl(value)) continue;
    // Template identifiers ($Number%05d$ ...) survive URL parsing: '$' is a path character and '%' not
    // followed by two hex digits is kept literally.
    const mapped = map(resolveReference(value, frame.inheritedBase));
    if (mapped === undefined) continue;
    edits.push({ start: attribute.valueStart, end: attribute.valueEnd, text: escapeXmlAttribute(mapped, attribute.quote) });
  }
}

/**
 * Resolves the collected text of a BaseURL/Location against the parent's inherited base, records a BaseURL as
 * the parent's effective base (the first one, as players start with it), and writes the mapped URL in place of
 * the text. Comments inside the element are kept; CDATA holding the URL is replaced by escaped text.
 */
function finishUrlText(
  source: string,
  capture: TextCapture,
  selfClosingTag: XmlStartTag | undefined,
  map: UrlMapper,
  edits: TextEdit[],
): void {
  const { frame, parent, pieces } = capture;
  const raw = pieces
    .map((piece) =>
      piece.kind === 'cdata'
        ? source.slice(piece.contentStart, piece.contentEnd)
        : decodeXmlEntities(source.slice(piece.start, piece.end)),
    )
    .join('')
    .trim();
  const resolved = resolveReference(raw, parent.inheritedBase);
  if (frame.dashName === 'BaseURL') {
    // Below a level with alternative BaseURLs (CDNs, serviceLocation) a relative BaseURL stays relative, so
    // it keeps resolving against every (mapped) alternative instead of being pinned to the first one.
    const keepRelative = parent.inheritedAmbiguous && !escapesBaseUrl(raw);
    parent.baseUrlCount++;
    if (parent.baseUrlCount === 1) {
      parent.base = resolved;
      parent.baseAmbiguous = keepRelative;
    } else {
      parent.baseAmbiguous = true;
    }
    if (keepRelative) return;
  }

  const mapped = map(resolved);
  if (mapped === undefined) return;
  const text = escapeXmlText(mapped);

  if (selfClosingTag !== undefined) {
    // <BaseURL/> becomes <BaseURL>mapped</BaseURL>: the '/>' is the only span that changes.
    edits.push({ start: selfClosingTag.end - 2, end: selfClosingTag.end, text: `>${text}</${frame.name}>` });
    return;
  }
  let written = false;
  for (const piece of pieces) {
    const span = piece.kind === 'cdata' ? { start: piece.start, end: piece.end } : trimmedSpan(source, piece.start, piece.end);
    if (span === undefined || (piece.kind === 'cdata' && piece.contentStart === piece.contentEnd)) continue;
    edits.push({ start: span.start, end: span.end, text: written ? '' : text });
    written = true;
  }
  if (!written) {
    // Empty or blank content: the URL goes right before the end tag, keeping any whitespace.
    const at = pieces.at(-1)?.end ?? capture.contentStart;
    edits.push({ start: at, end: at, text });
  }
}

/** Adds <BaseURL>map(manifest directory)</BaseURL> to an MPD that has none, indented like its first child. */
function insertRootBaseUrl(insertion: RootInsertion, manifestUrl: URL, map: UrlMapper, edits: TextEdit[]): void {
  const mapped = map(new URL('./', manifestUrl));
  if (mapped === undefined) return;
  const name = insertion.prefix === '' ? 'BaseURL' : `${insertion.prefix}:BaseURL`;
  edits.push({ start: insertion.at, end: insertion.at, text: `${insertion.indent}<${name}>${escapeXmlText(mapped)}</${name}>` });
}

function trimmedSpan(source: string, start: number, end: number): { start: number; end: number } | undefined {
  let first = start;
  let last = end;
  while (first < last && isXmlSpace(source, first, first + 1)) first++;
  while (last > first && isXmlSpace(source, last - 1, last)) last--;
  return first === last ? undefined : { start: first, end: last };
}
