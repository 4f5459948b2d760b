export { CPIX_NS, ENCRYPTION_SCHEMES, PSKC_NS, usageRuleForTier, type AudioFilter, type ContentKeyUsageRule, type CpixDocument, type DrmSystemSignalling, type EncryptionScheme, type VideoFilter } from './cpix-document.ts';
export { writeCpix } from './write-cpix.ts';
export { CpixError, readCpix } from './read-cpix.ts';
export { selectContentKey, type TrackToProtect } from './select-content-key.ts';
