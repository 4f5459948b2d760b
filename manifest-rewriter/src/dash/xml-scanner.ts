import { indexWithin } from '../index-within.ts';
import { ManifestError } from '../manifest-error.ts';

/** An attribute of a start tag; value offsets exclude the quotes and the value is still entity-escaped. */
export interface XmlAttribute {
  name: string;
  valueStart: number;
  valueEnd: number;
  quote: '"' | "'";
}

export interface XmlStartTag {
  kind: 'start';
  start: number;
  end: number;
  name: string;
  attributes: XmlAttribute[];
  selfClosing: boolean;
}

export interface XmlEndTag {
  kind: 'end';
  start: number;
  end: number;
  name: string;
}

export interface XmlCdata {
  kind: 'cdata';
  start: number;
  end: number;
  contentStart: number;
  contentEnd: number;
}

/** Spans that carry no markup we act on; they only need to be skipped exactly. */
export interface XmlOpaque {
  kind: 'text' | 'comment' | 'processing-instruction' | 'doctype';
  start: number;
  end: number;
}

export type XmlToken = XmlStartTag | XmlEndTag | XmlCdata | XmlOpaque;

/**
 * A lexical scanner, not a parser: it yields every span of `source` in order with exact offsets, so callers
 * can edit a few spans and copy everything else byte for byte (a DOM round trip would reorder attributes,
 * change quoting and drop formatting). The spans tile the input: each token starts where the previous ended.
 * Nesting is the caller's concern.
 */
export function* scanXml(source: string, from = 0): Generator<XmlToken, void, undefined> {
  const scanner = new XmlScanner(source, from);
  for (let token = scanner.next(); token !== undefined; token = scanner.next()) yield token;
}

/**
 * The scanner behind scanXml as a cursor: `next()` returns the token at `position` and moves past it, and a
 * caller may move `position` forward to the start of a later token to skip markup it has no use for.
 * (A class rather than a generator: the MPD scan calls it for every element of a 2-hour timeline.)
 */
export class XmlScanner {
  readonly source: string;
  position: number;

  constructor(source: string, from = 0) {
    this.source = source;
    this.position = from;
  }

  next(): XmlToken | undefined {
    const { source } = this;
    const i = this.position;
    if (i >= source.length) return undefined;
    let token: XmlToken;
    if (source.charCodeAt(i) !== LT) {
      const next = source.indexOf('<', i);
      token = { kind: 'text', start: i, end: next === -1 ? source.length : next };
    } else if (source.startsWith('<!--', i)) {
      token = { kind: 'comment', start: i, end: endOf(source, '-->', i + 4, 'comment') };
    } else if (source.startsWith('<![CDATA[', i)) {
      const end = endOf(source, ']]>', i + 9, 'CDATA section');
      token = { kind: 'cdata', start: i, end, contentStart: i + 9, contentEnd: end - 3 };
    } else if (source.startsWith('<?', i)) {
      token = { kind: 'processing-instruction', start: i, end: endOf(source, '?>', i + 2, 'processing instruction') };
    } else if (source.startsWith('<!DOCTYPE', i)) {
      token = { kind: 'doctype', start: i, end: doctypeEnd(source, i) };
    } else if (source.charCodeAt(i + 1) === SLASH) {
      token = endTag(source, i);
    } else {
      token = startTag(source, i);
    }
    this.position = token.end;
    return token;
  }
}

const LT = 60;
const GT = 62;
const SLASH = 47;
const EQUALS = 61;

function malformed(message: string, offset: number): ManifestError {
  return new ManifestError('malformed-xml', `${message} at offset ${offset}`);
}

function endOf(source: string, terminator: string, from: number, what: string): number {
  const at = source.indexOf(terminator, from);
  if (at === -1) throw malformed(`unterminated ${what}`, from);
  return at + terminator.length;
}

function doctypeEnd(source: string, start: number): number {
  const close = source.indexOf('>', start);
  const subset = indexWithin(source, '[', start, close === -1 ? source.length : close);
  // An internal subset may itself contain '>' (entity and element declarations).
  if (subset !== -1) {
    return endOf(source, '>', endOf(source, ']', subset, 'DOCTYPE internal subset'), 'DOCTYPE');
  }
  if (close === -1) throw malformed('unterminated DOCTYPE', start);
  return close + 1;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function isNameEnd(code: number): boolean {
  return Number.isNaN(code) || isSpace(code) || code === GT || code === SLASH || code === EQUALS || code === LT;
}

function readName(source: string, from: number): number {
  let i = from;
  while (!isNameEnd(source.charCodeAt(i)) && source.charCodeAt(i) !== 34 && source.charCodeAt(i) !== 39) i++;
  return i;
}

function skipSpace(source: string, from: number): number {
  let i = from;
  while (isSpace(source.charCodeAt(i))) i++;
  return i;
}

function endTag(source: string, start: number): XmlEndTag {
  const nameEnd = readName(source, start + 2);
  if (nameEnd === start + 2) throw malformed('end tag without a name', start);
  const close = skipSpace(source, nameEnd);
  if (source.charCodeAt(close) !== GT) throw malformed('unterminated end tag', start);
  return { kind: 'end', start, end: close + 1, name: source.slice(start + 2, nameEnd) };
}

function startTag(source: string, start: number): XmlStartTag {
  const nameEnd = readName(source, start + 1);
  if (nameEnd === start + 1) throw malformed("'<' that starts no tag", start);
  const name = source.slice(start + 1, nameEnd);
  const attributes: XmlAttribute[] = [];
  let i = nameEnd;
  for (;;) {
    i = skipSpace(source, i);
    const code = source.charCodeAt(i);
    if (code === GT) return { kind: 'start', start, end: i + 1, name, attributes, selfClosing: false };
    if (code === SLASH) {
      if (source.charCodeAt(i + 1) !== GT) throw malformed("'/' not followed by '>' in a tag", i);
      return { kind: 'start', start, end: i + 2, name, attributes, selfClosing: true };
    }
    if (Number.isNaN(code)) throw malformed(`unterminated <${name}> tag`, start);

    const attributeStart = i;
    i = readName(source, i);
    if (i === attributeStart) throw malformed(`unexpected character in <${name}> tag`, i);
    const attributeName = source.slice(attributeStart, i);
    i = skipSpace(source, i);
    if (source.charCodeAt(i) !== EQUALS) throw malformed(`attribute ${attributeName} without a value`, i);
    i = skipSpace(source, i + 1);
    const quote = source[i];
    if (quote !== '"' && quote !== "'") throw malformed(`unquoted value of attribute ${attributeName}`, i);
    const valueEnd = source.indexOf(quote, i + 1);
    if (valueEnd === -1) throw malformed(`unterminated value of attribute ${attributeName}`, i);
    attributes.push({ name: attributeName, valueStart: i + 1, valueEnd, quote });
    i = valueEnd + 1;
  }
}
