/** A small seeded PRNG (mulberry32), so a failing fuzz case can be replayed from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters that matter to the scanners: delimiters of tags, attributes, XML markup, URLs and variables. */
const SPICE = ['<', '>', '&', '"', "'", '#', ':', ',', '=', '\n', '\r\n', '/', '?', '.', '..', '{$x}', '<!--', '-->', '<![CDATA[', ']]>', '&amp;', '&lt;', '&#x0;', '&#99999999;', '&ext;', '\uFEFF', '\u0000', 'URI="', '#EXT-X-STREAM-INF:', '#EXTINF:', 'BaseURL', '</', '/>', '$Number$', '%2e%2e', '\\', '://', '€'];

/** Applies one to four random mutations: delete, duplicate, insert spice or junk, swap, truncate. */
export function mutate(input: string, next: () => number): string {
  let text = input;
  const count = 1 + Math.floor(next() * 4);
  for (let m = 0; m < count; m++) {
    const at = Math.floor(next() * (text.length + 1));
    const span = Math.floor(next() * Math.min(64, text.length - at + 1));
    switch (Math.floor(next() * 6)) {
      case 0:
        text = text.slice(0, at) + text.slice(at + span);
        break;
      case 1:
        text = text.slice(0, at + span) + text.slice(at, at + span) + text.slice(at + span);
        break;
      case 2:
        text = text.slice(0, at) + SPICE[Math.floor(next() * SPICE.length)]! + text.slice(at);
        break;
      case 3: {
        let junk = '';
        for (let i = 0; i < span; i++) junk += String.fromCharCode(Math.floor(next() * 0x250));
        text = text.slice(0, at) + junk + text.slice(at);
        break;
      }
      case 4: {
        const other = Math.floor(next() * (text.length + 1));
        const [a, b] = at < other ? [at, other] : [other, at];
        text = text.slice(0, a) + text.slice(b, b + span) + text.slice(a + span, b) + text.slice(a, a + span) + text.slice(b + span);
        break;
      }
      default:
        text = text.slice(0, at);
    }
  }
  return text;
}
