/**
 * Content keys are per title and per tier, so a device entitled only to SD pictures never holds the
 * key of the HD ones (DASH-IF CPIX 2.3 §5.3.3 usage rules by picture size). Audio has a key of its own
 * that every entitled viewer receives: an audio key leaks more easily (audio is often decrypted in a
 * less protected path), and sharing it with SD video would hand SD pictures to anyone holding it.
 */
export const KEY_TIERS = ['AUDIO', 'SD', 'HD', 'UHD'] as const;
export type KeyTier = (typeof KEY_TIERS)[number];

/** The video tiers in ascending order, each with the tallest picture it covers. */
export const VIDEO_TIER_MAX_HEIGHT = { SD: 576, HD: 1080, UHD: 4320 } as const satisfies Record<Exclude<KeyTier, 'AUDIO'>, number>;

export type VideoTier = keyof typeof VIDEO_TIER_MAX_HEIGHT;
export const VIDEO_TIERS: readonly VideoTier[] = ['SD', 'HD', 'UHD'];

export function isKeyTier(value: unknown): value is KeyTier {
  return typeof value === 'string' && (KEY_TIERS as readonly string[]).includes(value);
}

/** The tier of a rendition: audio (and any other non-video track) is AUDIO, video by its height. */
export function tierForRendition(type: 'video' | 'audio' | string, height: number | undefined): KeyTier {
  if (type !== 'video') return 'AUDIO';
  if (height === undefined || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`height: expected the video rendition's picture height, received ${String(height)}`);
  }
  return VIDEO_TIERS.find((tier) => height <= VIDEO_TIER_MAX_HEIGHT[tier]) ?? 'UHD';
}

/**
 * Whether a viewer whose pictures are capped at `maxHeight` lines may hold a tier's key: AUDIO always,
 * a video tier when the cap reaches into it (a 720-line cap gets SD and HD, never UHD).
 */
export function tierAllowed(tier: KeyTier, maxHeight: number): boolean {
  if (tier === 'AUDIO') return true;
  const index = VIDEO_TIERS.indexOf(tier);
  const floor = index === 0 ? 0 : VIDEO_TIER_MAX_HEIGHT[VIDEO_TIERS[index - 1]!];
  return maxHeight > floor;
}
