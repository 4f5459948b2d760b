const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the predefined entities and character references. Entities declared in a DTD stay as written:
 * MPDs do not use them, and guessing would corrupt the URL.
 */
export function decodeXmlEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (match, body: string) => {
    if (body.startsWith('#x')) return fromCodePoint(Number.parseInt(body.slice(2), 16)) ?? match;
    if (body.startsWith('#')) return fromCodePoint(Number.parseInt(body.slice(1), 10)) ?? match;
    return PREDEFINED[body] ?? match;
  });
}

function fromCodePoint(code: number): string | undefined {
  return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** Escapes a value for element content. */
export function escapeXmlText(value: string): string {
  return value.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

/** Escapes a value for an attribute delimited by `quote`; whitespace is escaped so attribute normalisation keeps it. */
export function escapeXmlAttribute(value: string, quote: '"' | "'"): string {
  const pattern = quote === '"' ? /[&<>"\t\n\r]/g : /[&<>'\t\n\r]/g;
  return value.replace(pattern, (c) => ATTRIBUTE_ESCAPES[c] ?? c);
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
};
