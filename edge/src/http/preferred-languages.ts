const TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
const MAX_LANGUAGES = 5;

/**
 * The viewer's languages from `Accept-Language` (RFC 9110 §12.5.4), most preferred first: tags sorted
 * by q-value (stable for equal q), `*` and q=0 dropped, malformed entries skipped, at most five.
 * A header from a client is a preference, never a permission, so a bad one is ignored, not refused.
 */
export function preferredLanguages(header: string | undefined): string[] {
  if (header === undefined || header.length > 1024) return [];
  const ranked: Array<{ tag: string; q: number; index: number }> = [];
  const entries = header.split(',');
  for (let index = 0; index < entries.length && index < 32; index++) {
    const [rawTag, ...params] = entries[index]!.split(';');
    const tag = rawTag!.trim();
    if (!TAG.test(tag)) continue;
    let q = 1;
    for (const param of params) {
      if (!/^\s*q\s*=/i.test(param)) continue;
      const match = /^\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$/i.exec(param);
      q = match ? Number(match[1]) : 0; // a malformed weight makes the entry unusable
    }
    if (q > 0 && !ranked.some((r) => r.tag.toLowerCase() === tag.toLowerCase())) ranked.push({ tag, q, index });
  }
  ranked.sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.slice(0, MAX_LANGUAGES).map((r) => r.tag);
}
