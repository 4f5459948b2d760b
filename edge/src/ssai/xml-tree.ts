import { ManifestError, scanXml } from '@cascade/manifest-rewriter';

/** An element of an ad server's XML answer: local name (namespace prefix dropped), decoded attributes and text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text and CDATA directly inside the element, entity-decoded, trimmed. */
  text: string;
}

export class AdResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdResponseError';
  }
}

const MAX_BYTES = 1024 * 1024;
const MAX_DEPTH = 32;
const MAX_ELEMENTS = 20_000;

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's five predefined entities and character references; anything else is an error (no DTD is read). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]{1,10});/g, (_, name: string) => {
    if (name in NAMED) return NAMED[name]!;
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : name.startsWith('#') ? Number.parseInt(name.slice(1), 10) : Number.NaN;
    if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) throw new AdResponseError(`undefined entity &${name};`);
    return String.fromCodePoint(code);
  });
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/**
 * Build a small element tree over the rewriter's XML scanner (workerd has no DOMParser). Bounded: size,
 * depth and element count are capped, a DOCTYPE is refused (no entity expansion ever), and tags must nest.
 */
export function parseXmlTree(source: string): XmlElement {
  if (source.length > MAX_BYTES) throw new AdResponseError(`the document is larger than ${MAX_BYTES} bytes`);
  const stack: { element: XmlElement; raw: string; text: string[] }[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  try {
    for (const token of scanXml(source)) {
      switch (token.kind) {
        case 'doctype':
          throw new AdResponseError('a DOCTYPE is not accepted');
        case 'start': {
          if (root !== undefined && stack.length === 0) throw new AdResponseError('content after the root element');
          if (++count > MAX_ELEMENTS) throw new AdResponseError(`more than ${MAX_ELEMENTS} elements`);
          if (stack.length >= MAX_DEPTH) throw new AdResponseError(`nested deeper than ${MAX_DEPTH}`);
          const attributes: Record<string, string> = {};
          for (const a of token.attributes) attributes[localName(a.name)] = decodeEntities(source.slice(a.valueStart, a.valueEnd));
          const element: XmlElement = { name: localName(token.name), attributes, children: [], text: '' };
          const parent = stack.at(-1);
          if (parent) parent.element.children.push(element);
          else root = element;
          if (!token.selfClosing) stack.push({ element, raw: token.name, text: [] });
          break;
        }
        case 'end': {
          const open = stack.pop();
          if (!open || open.raw !== token.name) throw new AdResponseError(`</${token.name}> closes ${open ? `<${open.raw}>` : 'nothing'}`);
          open.element.text = open.text.join('').trim();
          break;
        }
        case 'text': {
          const open = stack.at(-1);
          const text = source.slice(token.start, token.end);
          if (open) open.text.push(decodeEntities(text));
          else if (text.trim() !== '') throw new AdResponseError('text outside the root element');
          break;
        }
        case 'cdata':
          stack.at(-1)?.text.push(source.slice(token.contentStart, token.contentEnd));
          break;
        default:
          break; // comments, processing instructions
      }
    }
  } catch (error) {
    if (error instanceof ManifestError) throw new AdResponseError(error.message);
    throw error;
  }
  if (stack.length > 0) throw new AdResponseError(`<${stack.at(-1)!.raw}> is never closed`);
  if (!root) throw new AdResponseError('no root element');
  return root;
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** Every descendant reached by `path` (element names), e.g. `['Creatives', 'Creative', 'Linear']`. */
export function descend(element: XmlElement, path: string[]): XmlElement[] {
  let level = [element];
  for (const name of path) level = level.flatMap((e) => childrenNamed(e, name));
  return level;
}
