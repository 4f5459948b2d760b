import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * HLS AES-128 (RFC 8216 §4.3.2.4, §5.2): a whole segment (media or initialization section) is one
 * AES-128-CBC message with PKCS#7 padding under the rendition's content key. Each segment gets its own
 * random IV, written in the playlist's EXT-X-KEY, so no two segments under one key share an IV.
 */
export function encryptWholeSegment(clear: Uint8Array, key: Uint8Array, iv: Uint8Array = randomBytes(16)): { bytes: Buffer; iv: Uint8Array } {
  if (key.length !== 16) throw new Error(`AES-128 needs a 16-byte key, received ${key.length} bytes`);
  if (iv.length !== 16) throw new Error(`AES-128 needs a 16-byte IV, received ${iv.length} bytes`);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return { bytes: Buffer.concat([cipher.update(clear), cipher.final()]), iv };
}
