/**
 * Akamai Token Auth 2.0 ("EdgeAuth"), the `hdnts`/`__token__` format Akamai's edge verifies:
 * `st=<start>~exp=<end>~acl=<acl>~hmac=<hex>`, where the HMAC (SHA-256 here) is keyed with the
 * hex-decoded shared key and covers every field before it joined by `~`. An ACL such as `/vod/demo/*`
 * covers a session's whole path prefix. Optional `id` (session id) and `data` fields are signed too.
 */
export interface AkamaiTokenOptions {
  /** The shared key as Akamai's property shows it: hex, even length. */
  keyHex: string;
  /** ACL path; `*` wildcards, `!` separates several. */
  acl: string;
  /** Seconds since the epoch. */
  startTime?: number;
  endTime: number;
  sessionId?: string;
  payload?: string;
}

const FIELD = /^[^~\s]*$/;

export function hexToBytes(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new RangeError('keyHex: expected an even-length hex string');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The token value (without the `hdnts=` name). */
export async function akamaiToken(options: AkamaiTokenOptions): Promise<string> {
  const { acl, startTime, endTime, sessionId, payload } = options;
  if (!acl.startsWith('/') || !FIELD.test(acl)) throw new RangeError(`acl: expected a path without "~" or spaces, received ${JSON.stringify(acl)}`);
  if (!Number.isInteger(endTime) || endTime <= 0) throw new RangeError(`endTime: expected epoch seconds, received ${endTime}`);
  if (startTime !== undefined && (!Number.isInteger(startTime) || startTime <= 0 || startTime > endTime)) {
    throw new RangeError(`startTime: expected epoch seconds before endTime, received ${startTime}`);
  }
  for (const [name, value] of [['sessionId', sessionId], ['payload', payload]] as const) {
    if (value !== undefined && !FIELD.test(value)) throw new RangeError(`${name}: expected no "~" or spaces`);
  }
  const fields: string[] = [];
  if (startTime !== undefined) fields.push(`st=${startTime}`);
  fields.push(`exp=${endTime}`, `acl=${acl}`);
  if (sessionId !== undefined) fields.push(`id=${sessionId}`);
  if (payload !== undefined) fields.push(`data=${payload}`);
  const signed = fields.join('~');
  const key = await crypto.subtle.importKey('raw', hexToBytes(options.keyHex), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const hmac = toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(signed)));
  return `${signed}~hmac=${hmac}`;
}
