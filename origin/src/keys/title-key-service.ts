import { DASHIF_CLEARKEY_SYSTEM_ID, W3C_COMMON_SYSTEM_ID, generateContentKeys, psshBox, type KeyEncryptionKey, type KeyTier, type WrappedContentKey } from '@cascade/licensing/protection';
import { usageRuleForTier, writeCpix, type EncryptionScheme } from '@cascade/licensing/cpix';

export interface IssuedTitleKeys {
  /** The CPIX document for the packager: clear keys, in memory only, never written to disk. */
  cpix: string;
  /** The same keys wrapped under the KEK: what the catalogue stores and the edge receives. */
  wrapped: WrappedContentKey[];
}

/**
 * The key service: fresh content keys for a title, one per tier it needs, handed to the packager as
 * a DASH-IF CPIX document (usage rules by picture size, DASH-IF ClearKey DRM system entries) and
 * returned wrapped under the key-encryption key for the catalogue.
 */
export async function issueTitleKeys(options: { titleId: string; tiers: readonly KeyTier[]; scheme: EncryptionScheme | 'aes-128'; kek: KeyEncryptionKey }): Promise<IssuedTitleKeys> {
  const keys = generateContentKeys(options.tiers);
  const cpix = writeCpix({
    contentId: options.titleId,
    // AES-128 is not a Common Encryption scheme: its keys carry no commonEncryptionScheme.
    contentKeys: keys.map((key) => ({ ...key, ...(options.scheme !== 'aes-128' && { commonEncryptionScheme: options.scheme }) })),
    drmSystems: keys.map((key) => ({ kid: key.kid, systemId: DASHIF_CLEARKEY_SYSTEM_ID, pssh: psshBox(W3C_COMMON_SYSTEM_ID, [key.kid]) })),
    usageRules: keys.map((key) => usageRuleForTier(key.kid, key.tier)),
  });
  const wrapped = await Promise.all(keys.map((key) => options.kek.wrap(key)));
  return { cpix, wrapped };
}
