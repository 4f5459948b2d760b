import { ManifestError } from '../manifest-error.ts';
import type { TextEdit } from '../text-edit.ts';
import { resolveReference } from '../url/url-mapper.ts';
import { resolvedBase, type UrlRewriter } from '../url/url-rewriter.ts';
import { escapesBaseUrl, SEGMENT_URL_ATTRIBUTES, URL_TEXT_ELEMENTS } from './dash-url-sites.ts';
import { decodeXmlEntities, escapeXmlAttribute, escapeXmlText } from './xml-escape.ts';
import {
  localNameOf,
  lookupNamespace,
  namespaceDeclarations,
  prefixOf,
  type NamespaceDeclarations,
} from './xml-namespaces.ts';
import { XmlScanner, type XmlCdata, type XmlOpaque, type XmlStartTag } from './xml-scanner.ts';

/** Elements the personalization transforms act on; the scan records them with their spans. */
const RECORDED = new Set(['Period', 'AdaptationSet', 'Representation', 'Role', 'EssentialProperty', 'SupplementalProperty', 'ContentSteering']);

/** A recorded DASH element: its start tag and its whole span [start, end) including the end tag. */
export interface MpdElement {
  name: string;
  tag: XmlStartTag;
  start: number;
  end: number;
  children: MpdElement[];
}

/** What personalization needs from one scan of an MPD: the URL edits plus the elements it may change. */
export interface ScannedMpd {
  text: string;
  urlEdits: TextEdit[];
  /** The root MPD element (children: recorded elements only, at any depth below their nearest recorded ancestor). */
  root: MpdElement;
  /** Prefix of the DASH namespace on the root ('' when default), for elements the transforms add. */
  prefix: string;
}

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
  /** Whether the inherited base was rewritten (see Rebase). */
  inheritedRebase: Rebase;
  rebase: Rebase;
  baseUrlCount: number;
  /** The recorded element this frame is, or the nearest recorded ancestor's, to attach children to. */
  element: MpdElement | undefined;
  own: boolean;
}

/**
 * What became of an effective base URL: `rewritten` by the rewriter, `kept` as written, or still the
 * `manifest` URL, which changes if an MPD-level BaseURL gets inserted at the end of the scan. A root-relative
 * or scheme-relative reference the rewriter declines must then be written out absolute, or it would
 * silently resolve against the new host.
 */
type Rebase = 'rewritten' | 'kept' | 'manifest';

/** Edits that only apply if an MPD-level BaseURL is inserted (references that resolve against the manifest). */
interface Pins {
  deferred: TextEdit[];
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
 * Scans an MPD once: collects the URL edits `rewriter` asks for and records the elements personalization acts
 * on. URLs: BaseURL elements at every level, resolved against their parent's effective base (ISO/IEC 23009-1
 * 5.6); an MPD-level BaseURL pointing at the manifest's directory when there is none; and segment URL
 * attributes that would not resolve below the BaseURL. Below a level with several BaseURLs, a relative BaseURL
 * is left relative so it still resolves against each (mapped) alternative. The document is scanned, never
 * re-serialized; a DOCTYPE (and so any entity declaration) in an MPD is refused, entities are never expanded.
 */
export function scanMpd(mpd: string, base: URL, rewriter: UrlRewriter | undefined, serviceLocations?: readonly { id: string; baseUrl: string }[]): ScannedMpd {
  const edits: TextEdit[] = [];
  const stack: Frame[] = [];
  const scopes: (NamespaceDeclarations | undefined)[] = [];
  let dashNamespace: string | undefined;
  let insertion: RootInsertion | undefined;
  let rootClosed = false;
  let capture: TextCapture | undefined;
  let afterRootStart = false;
  let doctypeAt = -1;
  let root: MpdElement | undefined;
  const pins: Pins = { deferred: [] };
  // The schema puts BaseURL after ProgramInformation, so an inserted one moves past each leading one.
  const afterLeadingProgramInformation = (frame: Frame, parent: Frame, end: number): void => {
    if (frame.dashName === 'ProgramInformation' && parent === stack[0] && insertion && !insertion.settled) insertion.at = end;
  };

  const scanner = new XmlScanner(mpd);
  const skipper = new TimelineSkipper(mpd);
  for (let token = scanner.next(); token !== undefined; token = scanner.next()) {
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
        // DASH never needs a DTD; a DOCTYPE is how entity expansion and external-entity attacks start.
        if (doctypeAt !== -1) throw new ManifestError('forbidden-xml', `an MPD with a DOCTYPE (offset ${doctypeAt}) is refused`);
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
        inheritedRebase: parent?.rebase ?? 'manifest',
        rebase: parent?.rebase ?? 'manifest',
        baseUrlCount: 0,
        element: parent?.element,
        own: false,
      };
      const localName = namespace === dashNamespace ? localNameOf(token.name) : undefined;
      if (parent === undefined || (localName !== undefined && RECORDED.has(localName))) {
        const element: MpdElement = { name: localName ?? 'MPD', tag: token, start: token.start, end: token.end, children: [] };
        frame.element?.children.push(element);
        frame.element = element;
        frame.own = true;
        root ??= element;
      }
      if (parent !== undefined && parent === stack[0] && insertion && frame.dashName !== 'ProgramInformation') {
        insertion.settled = true;
      }
      if (frame.dashName !== undefined) {
        if (rewriter !== undefined) rewriteSegmentUrlAttributes(mpd, token, frame, rewriter, edits, pins);
        if (parent !== undefined && URL_TEXT_ELEMENTS.has(frame.dashName)) {
          const urlText: TextCapture = { frame, parent, contentStart: token.end, pieces: [] };
          if (token.selfClosing) finishUrlText(mpd, urlText, token, rewriter, edits, pins);
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
        // A SegmentTimeline holds only S elements (thousands in a long VOD); none carries a URL.
        if (frame.dashName === 'SegmentTimeline') scanner.position = skipper.endTagStart(token.end, token.name);
      }
      continue;
    }

    if (token.kind === 'end') {
      const frame = stack.pop();
      scopes.pop();
      if (frame === undefined || frame.name !== token.name) {
        throw new ManifestError('malformed-xml', `</${token.name}> at offset ${token.start} closes ${frame ? `<${frame.name}>` : 'nothing'}`);
      }
      if (frame.own && frame.element !== undefined) frame.element.end = token.end;
      if (capture?.frame === frame) {
        finishUrlText(mpd, capture, undefined, rewriter, edits, pins);
        capture = undefined;
      }
      const parent = stack.at(-1);
      if (parent === undefined) {
        rootClosed = true;
        if (frame.baseUrlCount === 0 && insertion && rewriter !== undefined && insertRootBaseUrl(insertion, base, rewriter, edits, serviceLocations)) {
          edits.push(...pins.deferred);
        }
      } else {
        afterLeadingProgramInformation(frame, parent, token.end);
      }
    }
    if (token.kind === 'doctype') {
      if (dashNamespace !== undefined) throw new ManifestError('forbidden-xml', `a DOCTYPE inside the MPD (offset ${token.start}) is refused`);
      if (doctypeAt === -1) doctypeAt = token.start;
    }
    // Comments and processing instructions pass through untouched, wherever they are.
  }

  if (dashNamespace === undefined) throw notAnMpd('no root element');
  if (stack.length > 0) throw new ManifestError('malformed-xml', `<${stack.at(-1)?.name}> is never closed`);
  if (root === undefined) throw notAnMpd('no root element');
  return { text: mpd, urlEdits: edits, root, prefix: insertion?.prefix ?? '' };
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
  rewriter: UrlRewriter,
  edits: TextEdit[],
  pins: Pins,
): void {
  const names = SEGMENT_URL_ATTRIBUTES[frame.dashName ?? ''];
  if (names === undefined) return;
  for (const attribute of tag.attributes) {
    if (!names.includes(attribute.name)) continue;
    const value = decodeXmlEntities(source.slice(attribute.valueStart, attribute.valueEnd)).trim();
    // Template identifiers ($Number%05d$ ...) survive URL parsing: '$' is a path character and '%' not
    // followed by two hex digits is kept literally.
    const mapped = escapesBaseUrl(value)
      ? rewriter.rewrite(value, resolvedBase(frame.inheritedBase))
      : rewriter.rewriteRelative?.(value, resolvedBase(frame.inheritedBase));
    if (mapped !== undefined) {
      edits.push({ start: attribute.valueStart, end: attribute.valueEnd, text: escapeXmlAttribute(mapped, attribute.quote) });
    } else if (isHostRelative(value) && frame.inheritedRebase !== 'kept') {
      const pin = { start: attribute.valueStart, end: attribute.valueEnd, text: escapeXmlAttribute(resolveReference(value, frame.inheritedBase).href, attribute.quote) };
      (frame.inheritedRebase === 'rewritten' ? edits : pins.deferred).push(pin);
    }
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
  rewriter: UrlRewriter | undefined,
  edits: TextEdit[],
  pins: Pins,
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

  const mapped = rewriter?.rewrite(raw, resolvedBase(parent.inheritedBase));
  const isBase = frame.dashName === 'BaseURL' && parent.baseUrlCount === 1;
  if (mapped !== undefined) {
    if (isBase) parent.rebase = 'rewritten';
    edits.push(...urlTextEdits(source, capture, selfClosingTag, escapeXmlText(mapped)));
    return;
  }
  if (!isBase) return;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(raw)) parent.rebase = 'kept';
  else if (isHostRelative(raw) && parent.inheritedRebase !== 'kept') {
    const pin = urlTextEdits(source, capture, selfClosingTag, escapeXmlText(resolved.href));
    if (parent.inheritedRebase === 'rewritten') {
      edits.push(...pin);
      parent.rebase = 'kept';
    } else {
      pins.deferred.push(...pin);
    }
  }
}

/** '/path' or '//host/path': resolves against the base's host, so it changes meaning when the host does. */
function isHostRelative(reference: string): boolean {
  const first = reference.charCodeAt(0);
  return first === 47 || first === 92;
}

/** The edits that write `text` as the content of a captured URL element. */
function urlTextEdits(source: string, capture: TextCapture, selfClosingTag: XmlStartTag | undefined, text: string): TextEdit[] {
  const { frame, pieces } = capture;
  const edits: TextEdit[] = [];

  if (selfClosingTag !== undefined) {
    // <BaseURL/> becomes <BaseURL>mapped</BaseURL>: the '/>' is the only span that changes.
    edits.push({ start: selfClosingTag.end - 2, end: selfClosingTag.end, text: `>${text}</${frame.name}>` });
    return edits;
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
  return edits;
}

/**
 * Adds <BaseURL>map(manifest directory)</BaseURL> to an MPD that has none, indented like its first child; with
 * content-steering service locations, one <BaseURL serviceLocation="id"> per pathway instead (5.6, DASH-IF
 * content steering), the first in the list first.
 */
function insertRootBaseUrl(insertion: RootInsertion, manifestUrl: URL, rewriter: UrlRewriter, edits: TextEdit[], serviceLocations?: readonly { id: string; baseUrl: string }[]): boolean {
  const mapped = rewriter.rewrite('./', resolvedBase(manifestUrl));
  if (mapped === undefined) return false;
  const name = insertion.prefix === '' ? 'BaseURL' : `${insertion.prefix}:BaseURL`;
  const text =
    serviceLocations === undefined || serviceLocations.length === 0
      ? `${insertion.indent}<${name}>${escapeXmlText(mapped)}</${name}>`
      : serviceLocations.map((l) => `${insertion.indent}<${name} serviceLocation="${escapeXmlAttribute(l.id, '"')}">${escapeXmlText(l.baseUrl)}</${name}>`).join('');
  edits.push({ start: insertion.at, end: insertion.at, text });
  return true;
}

function trimmedSpan(source: string, start: number, end: number): { start: number; end: number } | undefined {
  let first = start;
  let last = end;
  while (first < last && isXmlSpace(source, first, first + 1)) first++;
  while (last > first && isXmlSpace(source, last - 1, last)) last--;
  return first === last ? undefined : { start: first, end: last };
}

/**
 * Finds where a SegmentTimeline's content ends without tokenizing its S elements. Only plain S markup is
 * skipped: every '<' before the end tag must open or close an S of the timeline's own prefix. Anything else
 * (another element, a comment, CDATA, a processing instruction, a DOCTYPE) sends the scan through the content
 * normally, so nothing that could matter to a player, or must be refused, is ever skipped.
 */
class TimelineSkipper {
  private readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  /** Offset of `</name` closing the element whose content starts at `from`, or `from` when it cannot be skipped. */
  endTagStart(from: number, name: string): number {
    const { source } = this;
    const close = source.indexOf(`</${name}`, from);
    if (close === -1) return from;
    const colon = name.indexOf(':');
    const open = colon === -1 ? '<S' : `<${name.slice(0, colon)}:S`;
    const end = `</${open.slice(1)}`;
    for (let at = source.indexOf('<', from); at !== -1 && at < close; at = source.indexOf('<', at + 1)) {
      const after = source.charCodeAt(at + (source.startsWith(end, at) ? end.length : open.length));
      const isS = (source.startsWith(open, at) || source.startsWith(end, at)) && (after === 32 || after === 9 || after === 10 || after === 13 || after === 47 || after === 62);
      if (!isS) return from;
    }
    return close;
  }
}
