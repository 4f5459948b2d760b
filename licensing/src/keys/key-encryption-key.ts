import { base64ToBytes, bytesToBase64, isKeyIdUuid } from './key-id.ts';
import { isKeyTier } from './key-tier.ts';
import type { ContentKey, WrappedContentKey } from './content-key.ts';

// Spelled via importKey so the same file typechecks for workerd and for Node.
type AesKwKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * The key-encryption key (KEK, secret `CONTENT_KEK`: base64 of 32 random bytes). Content keys are
 * stored and travel only wrapped under it (AES-KW, RFC 3394, through WebCrypto in Node and workerd):
 * the origin's catalogue, the shield and every cache see wrapped keys, and only a holder of the KEK
 * (the origin's packager and the edge's licence service) ever sees a clear one.
 */
export class KeyEncryptionKey {
  readonly #key: Promise<AesKwKey>;

  private constructor(raw: Uint8Array) {
    this.#key = crypto.subtle.importKey('raw', raw, { name: 'AES-KW' }, false, ['wrapKey', 'unwrapKey']);
  }

  /** From the secret's text; the error names the variable and never echoes the value. */
  static fromBase64(secret: string, variable = 'CONTENT_KEK'): KeyEncryptionKey {
    let raw: Uint8Array;
    try {
      raw = base64ToBytes(secret.trim());
    } catch {
      throw new RangeError(`${variable}: expected base64 of 32 random bytes, received something that is not base64`);
    }
    if (raw.length !== 32) throw new RangeError(`${variable}: expected base64 of 32 random bytes (AES-256), received ${raw.length} bytes`);
    return new KeyEncryptionKey(raw);
  }

  async wrap(content: ContentKey): Promise<WrappedContentKey> {
    const key = await crypto.subtle.importKey('raw', content.key, { name: 'AES-CTR' }, true, ['encrypt']);
    const wrapped = new Uint8Array(await crypto.subtle.wrapKey('raw', key, await this.#key, { name: 'AES-KW' }));
    return { kid: content.kid, tier: content.tier, wrappedKey: bytesToBase64(wrapped) };
  }

  /** Unwrap one key; a key wrapped under another KEK, or tampered with, fails the RFC 3394 integrity check. */
  async unwrap(wrapped: WrappedContentKey): Promise<ContentKey> {
    if (!isKeyIdUuid(wrapped.kid)) throw new RangeError(`kid: expected a UUID, received ${JSON.stringify(String(wrapped.kid).slice(0, 60))}`);
    if (!isKeyTier(wrapped.tier)) throw new RangeError(`tier: expected AUDIO, SD, HD or UHD, received ${JSON.stringify(wrapped.tier)}`);
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(wrapped.wrappedKey);
    } catch {
      throw new RangeError(`wrappedKey of ${wrapped.kid}: expected base64`);
    }
    if (bytes.length !== 24) throw new RangeError(`wrappedKey of ${wrapped.kid}: expected 24 bytes, received ${bytes.length}`);
    let key: Awaited<ReturnType<typeof crypto.subtle.unwrapKey>>;
    try {
      key = await crypto.subtle.unwrapKey('raw', bytes, await this.#key, { name: 'AES-KW' }, { name: 'AES-CTR' }, true, ['encrypt']);
    } catch {
      throw new RangeError(`wrappedKey of ${wrapped.kid}: does not unwrap under this key-encryption key`);
    }
    return { kid: wrapped.kid, tier: wrapped.tier, key: new Uint8Array(await crypto.subtle.exportKey('raw', key) as ArrayBuffer) };
  }
}
