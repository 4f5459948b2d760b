import { DASHIF_CLEARKEY_SYSTEM_ID, bytesToBase64, keyIdToBytes } from '@cascade/licensing/protection';

export type SampleScheme = 'cenc' | 'cbcs';

/** A title's media encryption: Common Encryption of samples, or HLS AES-128 of whole segments (no DASH). */
export type MediaEncryption = SampleScheme | 'aes-128';

/** Namespaces the MPD root declares when its Representations carry ContentProtection. */
export const MPD_PROTECTION_NAMESPACES = {
  cenc: 'urn:mpeg:cenc:2013',
  dashif: 'https://dashif.org/CPS',
  clearkey: 'http://dashif.org/guidelines/clearKey',
} as const;

/**
 * DASH ContentProtection for one Representation (ISO/IEC 23009-1 §5.8.4.1, DASH-IF IOP §7):
 * the mp4protection descriptor with `cenc:default_KID`, and DASH-IF ClearKey, which the edge fills
 * with the session's licence URL (`dashif:Laurl`). The W3C common-system pssh (the key ids a ClearKey
 * CDM asks for) is in the init segment; a second ClearKey descriptor for it would give players two
 * ClearKey entries, one of them without a licence URL.
 */
export function dashContentProtection(scheme: SampleScheme, kid: string, _pssh: Uint8Array, indent: string): string {
  return [
    `<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="${scheme}" cenc:default_KID="${kid}"/>`,
    `<ContentProtection schemeIdUri="urn:uuid:${DASHIF_CLEARKEY_SYSTEM_ID}" value="ClearKey1.0"/>`,
  ].map((line) => `${indent}${line}\n`).join('');
}

/**
 * The media playlist's key tag for sample encryption (RFC 8216bis §4.4.4.4): SAMPLE-AES-CTR for cenc,
 * SAMPLE-AES for cbcs, key format org.w3.clearkey with the KID both as KEYID and as the data URI
 * hls.js reads it from. The licence itself comes from the edge's ClearKey endpoint.
 */
export function hlsSampleKeyTag(scheme: SampleScheme, kid: string): string {
  const method = scheme === 'cenc' ? 'SAMPLE-AES-CTR' : 'SAMPLE-AES';
  const bytes = keyIdToBytes(kid);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `#EXT-X-KEY:METHOD=${method},URI="data:text/plain;base64,${bytesToBase64(bytes)}",KEYID=0x${hex},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"`;
}

/** Put a key tag before the playlist's EXT-X-MAP (the key then covers the init segment and every segment). */
export function withKeyTag(playlist: string, tag: string): string {
  const at = playlist.indexOf('#EXT-X-MAP');
  if (at === -1) throw new Error('the media playlist has no EXT-X-MAP to protect');
  return `${playlist.slice(0, at)}${tag}\n${playlist.slice(at)}`;
}

/** Add each Representation's ContentProtection (before its SegmentTemplate) and the namespaces to the MPD root. */
export function withDashProtection(mpd: string, byRepresentation: ReadonlyMap<string, (indent: string) => string>): string {
  let out = mpd.replace(/<MPD\b/, `<MPD ${Object.entries(MPD_PROTECTION_NAMESPACES).map(([p, ns]) => `xmlns:${p}="${ns}"`).join(' ')}`);
  const done = new Set<string>();
  out = out.replace(/(<Representation\b[^>]*\bid="([^"]+)"[^>]*>)([\s\S]*?)(\n?)([ \t]*)(<SegmentTemplate\b)/g, (whole, open: string, id: string, between: string, nl: string, indent: string, template: string) => {
    const protection = byRepresentation.get(id);
    if (!protection) return whole;
    done.add(id);
    return `${open}${between}${nl}${protection(indent)}${indent}${template}`;
  });
  for (const id of byRepresentation.keys()) if (!done.has(id)) throw new Error(`Representation ${id} has no SegmentTemplate to protect`);
  return out;
}
