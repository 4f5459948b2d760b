/** The KID as the 32 hex digits the key URI carries (`key/<hex>`), from its UUID form. */
export function kidHex(kid: string): string {
  const hex = kid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`key id ${JSON.stringify(kid)} is not 16 bytes of hex`);
  return hex;
}

/** One AES-128 key tag (RFC 8216 §4.3.2.4): the key URI is relative, so the edge rewrites it per session. */
export function aes128KeyTag(kid: string, iv: Uint8Array): string {
  const ivHex = Array.from(iv, (b) => b.toString(16).padStart(2, '0')).join('');
  return `#EXT-X-KEY:METHOD=AES-128,URI="key/${kidHex(kid)}",IV=0x${ivHex}`;
}

/**
 * Put an EXT-X-KEY with that segment's own IV before the EXT-X-MAP and before every segment's EXTINF.
 * RFC 8216 §4.3.2.5: an initialization section under METHOD=AES-128 is encrypted too, and its key tag
 * MUST carry an IV (the section has no media sequence number to derive one from); hls.js decrypts it
 * with the key tag in force at the EXT-X-MAP.
 */
export function withAes128KeyTags(playlist: string, kid: string, ivs: ReadonlyMap<string, Uint8Array>): string {
  const lines = playlist.split('\n');
  const out: string[] = [];
  const ivFor = (uri: string): Uint8Array => {
    const iv = ivs.get(uri);
    if (!iv) throw new Error(`segment ${uri} of the media playlist was not encrypted`);
    return iv;
  };
  let keyed = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#EXT-X-MAP:')) {
      const uri = /URI="([^"]+)"/.exec(line)?.[1];
      if (uri === undefined) throw new Error('EXT-X-MAP without URI');
      out.push(aes128KeyTag(kid, ivFor(uri)));
      keyed++;
    } else if (line.startsWith('#EXTINF:')) {
      let j = i + 1;
      while (j < lines.length && (lines[j]!.startsWith('#') || lines[j]!.trim() === '')) j++;
      const uri = lines[j]?.trim();
      if (uri === undefined) throw new Error(`EXTINF on line ${i + 1} is not followed by a URI`);
      out.push(aes128KeyTag(kid, ivFor(uri)));
      keyed++;
    }
    out.push(line);
  }
  if (keyed === 0) throw new Error('the media playlist has no segment to protect');
  return out.join('\n');
}
