// Runtime-neutral key and licence code (WebCrypto only): usable from Node (origin, packager) and workerd (edge).
export { KEY_TIERS, VIDEO_TIERS, VIDEO_TIER_MAX_HEIGHT, isKeyTier, tierAllowed, tierForRendition, type KeyTier, type VideoTier } from './keys/key-tier.ts';
export { base64ToBytes, base64urlToBytes, bytesToBase64, bytesToBase64url, bytesToKeyId, clearKeyKidToUuid, isKeyIdUuid, keyIdToBytes, uuidToClearKeyKid } from './keys/key-id.ts';
export { generateContentKeys, type ContentKey, type WrappedContentKey } from './keys/content-key.ts';
export { KeyEncryptionKey } from './keys/key-encryption-key.ts';
export { CLEARKEY_KEY_SYSTEM, DASHIF_CLEARKEY_SYSTEM_ID, MAX_LICENSE_REQUEST_BYTES, W3C_COMMON_SYSTEM_ID, LicenseRequestError, clearKeyResponse, parseClearKeyRequest, type ClearKeyRequest } from './license/clearkey-protocol.ts';
export { psshBox } from './license/pssh.ts';
export type { DrmSystem, LicenseAdapter, LicenseAnswer, LicenseChallenge, LicenseGrant } from './license/license-adapter.ts';
export { ClearKeyAdapter } from './license/clearkey-adapter.ts';
