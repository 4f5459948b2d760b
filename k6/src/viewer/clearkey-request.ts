/**
 * The W3C EME ClearKey license request (Encrypted Media Extensions, §9.1.3 "License Request Format"):
 * `{"kids": [base64url key ids], "type": "temporary"}`. Written by hand because k6 has neither Buffer
 * nor btoa in every version.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Base64url without padding of the bytes a hex string spells. */
export function hexToBase64url(hex: string): string {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new RangeError(`expected an even number of hex digits, received ${JSON.stringify(hex)}`);
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(Number.parseInt(hex.slice(i, i + 2), 16));
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    if (b !== undefined) out += ALPHABET[(n >> 6) & 63]!;
    if (c !== undefined) out += ALPHABET[n & 63]!;
  }
  return out;
}

export function clearKeyRequestBody(keyIdsHex: string[]): string {
  return JSON.stringify({ kids: keyIdsHex.map(hexToBase64url), type: 'temporary' });
}

/** How many of the requested key ids the license answered with a key for. */
export function keysGranted(body: string, keyIdsHex: string[]): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 0;
  }
  const keys = (parsed as { keys?: Array<{ kid?: unknown; k?: unknown }> }).keys;
  if (!Array.isArray(keys)) return 0;
  const wanted = new Set(keyIdsHex.map(hexToBase64url));
  return keys.filter((key) => typeof key.kid === 'string' && typeof key.k === 'string' && wanted.has(key.kid)).length;
}
