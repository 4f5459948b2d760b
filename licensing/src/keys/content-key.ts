import { bytesToKeyId } from './key-id.ts';
import type { KeyTier } from './key-tier.ts';

/** A clear content key: 16 random bytes named by a random KID. It exists in memory only. */
export interface ContentKey {
  kid: string;
  tier: KeyTier;
  key: Uint8Array;
}

/** A content key as it is stored and shipped: the key wrapped under the key-encryption key. */
export interface WrappedContentKey {
  kid: string;
  tier: KeyTier;
  /** base64 of the RFC 3394 AES key wrap of the 16-byte key (24 bytes). */
  wrappedKey: string;
}

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** Fresh keys for the tiers a title needs (one per tier, never shared between titles). */
export function generateContentKeys(tiers: readonly KeyTier[]): ContentKey[] {
  const unique = [...new Set(tiers)];
  return unique.map((tier) => {
    const kid = randomBytes(16);
    // RFC 4122 version 4 / variant bits, so the KID is a well-formed UUID everywhere it is written.
    kid[6] = (kid[6]! & 0x0f) | 0x40;
    kid[8] = (kid[8]! & 0x3f) | 0x80;
    return { kid: bytesToKeyId(kid), tier, key: randomBytes(16) };
  });
}
