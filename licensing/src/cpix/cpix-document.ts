import type { ContentKey } from '../keys/content-key.ts';
import type { KeyTier } from '../keys/key-tier.ts';

/** DASH-IF CPIX 2.3 namespaces (§5.2). */
export const CPIX_NS = 'urn:dashif:org:cpix';
export const PSKC_NS = 'urn:ietf:params:xml:ns:keyprov:pskc';

/** Common Encryption protection schemes (ISO/IEC 23001-7 §4.2). */
export const ENCRYPTION_SCHEMES = ['cenc', 'cbcs', 'cens', 'cbc1'] as const;
export type EncryptionScheme = (typeof ENCRYPTION_SCHEMES)[number];

/** A picture-size filter (CPIX §5.3.3.2): pixels are width × height, both bounds inclusive. */
export interface VideoFilter {
  minPixels?: number;
  maxPixels?: number;
}

/** CPIX §5.3.3.3: channel counts, both bounds inclusive. */
export interface AudioFilter {
  minChannels?: number;
  maxChannels?: number;
}

/** Which tracks a key encrypts (CPIX §5.3.3). A rule with no filter matches nothing here: we refuse them. */
export interface ContentKeyUsageRule {
  kid: string;
  intendedTrackType?: string;
  videoFilters: VideoFilter[];
  audioFilters: AudioFilter[];
}

/** DRM signalling for one key and one system (CPIX §5.3.4): bytes as they go into the packager's output. */
export interface DrmSystemSignalling {
  kid: string;
  /** The DRM system id (a UUID), e.g. e2719d58-a985-b3c9-781a-b030af78d30e for DASH-IF ClearKey. */
  systemId: string;
  /** A complete `pssh` box. */
  pssh?: Uint8Array;
  /** XML children for the MPD's ContentProtection element of this system. */
  contentProtectionData?: string;
  /** A complete `#EXT-X-KEY` line for media playlists. */
  hlsSignalingData?: string;
}

/** A CPIX document as the key service and the packager exchange it. */
export interface CpixDocument {
  contentId: string;
  /** Content keys with their clear values (the document is exchanged in memory, never stored). */
  contentKeys: Array<ContentKey & { commonEncryptionScheme?: EncryptionScheme }>;
  drmSystems: DrmSystemSignalling[];
  usageRules: ContentKeyUsageRule[];
}

/** The usage rule our key service writes for each tier (16:9 at 576 and 1080 lines are the SD and HD ceilings). */
export function usageRuleForTier(kid: string, tier: KeyTier): ContentKeyUsageRule {
  const sdMax = 1024 * 576;
  const hdMax = 1920 * 1080;
  const video = (filter: VideoFilter): ContentKeyUsageRule => ({ kid, intendedTrackType: tier, videoFilters: [filter], audioFilters: [] });
  switch (tier) {
    case 'AUDIO':
      return { kid, intendedTrackType: tier, videoFilters: [], audioFilters: [{}] };
    case 'SD':
      return video({ maxPixels: sdMax });
    case 'HD':
      return video({ minPixels: sdMax + 1, maxPixels: hdMax });
    case 'UHD':
      return video({ minPixels: hdMax + 1 });
  }
}
