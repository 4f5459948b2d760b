import { bytesToBase64url, clearKeyKidToUuid, uuidToClearKeyKid } from '../keys/key-id.ts';
import type { ContentKey } from '../keys/content-key.ts';

/** W3C EME ClearKey (EME §9.1.3/§9.1.4) as the edge speaks it. */
export const CLEARKEY_KEY_SYSTEM = 'org.w3.clearkey';
/** DASH-IF's ClearKey ContentProtection scheme (DASH-IF IOP "Clear Key"). */
export const DASHIF_CLEARKEY_SYSTEM_ID = 'e2719d58-a985-b3c9-781a-b030af78d30e';
/** W3C "Common" PSSH system id: the pssh box Chromium's ClearKey CDM reads key ids from (EME cenc init data). */
export const W3C_COMMON_SYSTEM_ID = '1077efec-c0b2-4d02-ace3-3c1e52e2fb4b';

/** At most this many keys per request: a title has at most one per tier. */
export const MAX_REQUESTED_KIDS = 16;
export const MAX_LICENSE_REQUEST_BYTES = 4096;

/** Why a ClearKey request was refused; the edge maps it to `license-request-invalid`. */
export class LicenseRequestError extends Error {
  override name = 'LicenseRequestError';
}

export interface ClearKeyRequest {
  /** The requested key ids as UUIDs, in request order, without duplicates. */
  kids: string[];
  type: 'temporary';
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parse and check a license request body: `{"kids":["<base64url kid>",…],"type":"temporary"}`. */
export function parseClearKeyRequest(body: Uint8Array): ClearKeyRequest {
  if (body.byteLength === 0) throw new LicenseRequestError('body: expected a JSON ClearKey license request, received nothing');
  if (body.byteLength > MAX_LICENSE_REQUEST_BYTES) throw new LicenseRequestError(`body: expected at most ${MAX_LICENSE_REQUEST_BYTES} bytes, received ${body.byteLength}`);
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    throw new LicenseRequestError('body: expected JSON (W3C EME ClearKey license request)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LicenseRequestError('body: expected a JSON object');
  const request = value as Record<string, unknown>;
  for (const field of Object.keys(request)) {
    if (field !== 'kids' && field !== 'type') throw new LicenseRequestError(`${field}: unknown field (expected only kids and type)`);
  }
  if (request['type'] !== 'temporary') {
    throw new LicenseRequestError(`type: expected "temporary" (persistent licences are not issued), received ${JSON.stringify(request['type'])}`);
  }
  const kids = request['kids'];
  if (!Array.isArray(kids) || kids.length === 0) throw new LicenseRequestError('kids: expected a non-empty list of key ids');
  if (kids.length > MAX_REQUESTED_KIDS) throw new LicenseRequestError(`kids: expected at most ${MAX_REQUESTED_KIDS} key ids, received ${kids.length}`);
  const out: string[] = [];
  kids.forEach((kid, i) => {
    const uuid = clearKeyKidToUuid(kid);
    if (uuid === undefined) throw new LicenseRequestError(`kids[${i}]: expected a 16-byte key id in unpadded base64url, received ${JSON.stringify(String(kid).slice(0, 40))}`);
    if (!out.includes(uuid)) out.push(uuid);
  });
  return { kids: out, type: 'temporary' };
}

/** The licence: a JWK set of symmetric keys (EME §9.1.4), `kid` and `k` in unpadded base64url. */
export function clearKeyResponse(keys: readonly ContentKey[]): { keys: Array<{ kty: 'oct'; kid: string; k: string }>; type: 'temporary' } {
  return { keys: keys.map((key) => ({ kty: 'oct', kid: uuidToClearKeyKid(key.kid), k: bytesToBase64url(key.key) })), type: 'temporary' };
}
