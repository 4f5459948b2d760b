/**
 * Resolve a playlist reference against the URL it came from (RFC 3986 §5.2, for the forms manifests use:
 * absolute, scheme-relative, root-relative and path-relative without dot segments). k6 has no global
 * `URL`, so the viewer model resolves by hand. Dot segments are refused rather than normalised: the edge
 * never writes them, and a playlist that has them is one the test should notice.
 */
export function resolveUrl(base: string, reference: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) return reference;
  const origin = /^([a-z][a-z0-9+.-]*:)\/\/[^/?#]*/i.exec(base);
  if (!origin) throw new RangeError(`base URL must be absolute, received ${JSON.stringify(base)}`);
  if (reference.startsWith('//')) return origin[1] + reference;
  if (/(^|\/)\.\.?(\/|$)/.test(reference.split(/[?#]/)[0]!)) {
    throw new RangeError(`reference with dot segments is not supported: ${JSON.stringify(reference)}`);
  }
  if (reference.startsWith('/')) return origin[0] + reference;
  const path = base.split(/[?#]/)[0]!;
  const slash = path.lastIndexOf('/');
  return (slash >= origin[0].length ? path.slice(0, slash + 1) : `${origin[0]}/`) + reference;
}
