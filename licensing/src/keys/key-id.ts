/**
 * Key ids (KIDs) are 16 bytes. CPIX and DASH write them as UUIDs (`cenc:default_KID`), W3C EME
 * ClearKey as unpadded base64url, and the init segment's `tenc` as raw bytes: one helper for each.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL_16 = /^[A-Za-z0-9_-]{21}[AQgw]$/;

export function isKeyIdUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function keyIdToBytes(uuid: string): Uint8Array {
  if (!isKeyIdUuid(uuid)) throw new RangeError(`kid: expected a lower-case UUID, received ${JSON.stringify(String(uuid).slice(0, 60))}`);
  const hex = uuid.replaceAll('-', '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function bytesToKeyId(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`kid: expected 16 bytes, received ${bytes.length}`);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function bytesToBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function base64urlToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new RangeError('expected unpadded base64url');
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new RangeError('expected padded base64');
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** A W3C EME ClearKey kid (base64url of the 16 bytes) as a UUID, or undefined when it is not one. */
export function clearKeyKidToUuid(kid: unknown): string | undefined {
  if (typeof kid !== 'string' || !BASE64URL_16.test(kid)) return undefined;
  return bytesToKeyId(base64urlToBytes(kid));
}

export function uuidToClearKeyKid(uuid: string): string {
  return bytesToBase64url(keyIdToBytes(uuid));
}
