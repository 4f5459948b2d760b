/** One AttributeName=AttributeValue pair (RFC 8216 4.2); value offsets exclude the quotes of a quoted-string. */
export interface HlsAttribute {
  name: string;
  valueStart: number;
  valueEnd: number;
  quoted: boolean;
}

/**
 * Parses the attribute list in text[start, end), or returns undefined when it is not one (e.g. EXTINF's
 * "10.0,title" or a date). Refusing anything that does not parse keeps free text that merely looks like
 * URI="..." from being rewritten. Lenient only where real packagers are: spaces around separators and
 * lower-case names.
 */
export function parseAttributeList(text: string, start: number, end: number): HlsAttribute[] | undefined {
  const attributes: HlsAttribute[] = [];
  let i = start;
  while (i < end) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < end && isNameChar(text.charCodeAt(i))) i++;
    if (i === nameStart) return undefined;
    const name = text.slice(nameStart, i);
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== EQUALS || i >= end) return undefined;
    i++;
    while (i < end && isBlank(text.charCodeAt(i))) i++;

    let valueStart: number;
    let valueEnd: number;
    const quoted = i < end && text.charCodeAt(i) === QUOTE;
    if (quoted) {
      valueStart = i + 1;
      // Native search: it stops at the next quote anywhere, and a line without one never gets here, so the
      // total work over a playlist stays linear even when every line is broken.
      valueEnd = text.indexOf('"', valueStart);
      if (valueEnd === -1 || valueEnd >= end) return undefined;
      i = valueEnd + 1;
    } else {
      valueStart = i;
      while (i < end && text.charCodeAt(i) !== COMMA) i++;
      valueEnd = i;
      while (valueEnd > valueStart && isBlank(text.charCodeAt(valueEnd - 1))) valueEnd--;
      if (valueEnd === valueStart) return undefined;
    }
    attributes.push({ name, valueStart, valueEnd, quoted });

    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i < end) {
      if (text.charCodeAt(i) !== COMMA) return undefined;
      i++;
    }
  }
  return attributes;
}

const EQUALS = 61;
const QUOTE = 34;
const COMMA = 44;

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

function isNameChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    (code >= 48 && code <= 57) || // 0-9
    code === 45 || // -
    code === 95 // _
  );
}
