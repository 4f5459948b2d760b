/** How one track is encrypted (ISO/IEC 23001-7 §4.2, §10). */
export interface TrackProtection {
  /** `cenc`: AES-CTR, 8-byte IV per sample. `cbcs`: AES-CBC with a 1:9 pattern on video, a constant IV. */
  scheme: 'cenc' | 'cbcs';
  /** The key id as a UUID, and the clear key (in memory only). */
  kid: string;
  key: Uint8Array;
  /** cbcs only: the 16-byte constant IV written into `tenc`. */
  constantIv?: Uint8Array;
  /** Complete `pssh` boxes for the init segment's moov. */
  psshBoxes: readonly Uint8Array[];
}

/** What the init segment says about the track, for encrypting its media segments. */
export interface ProtectedTrack {
  kind: 'video' | 'audio';
  /** AVC: bytes of each NAL unit's length prefix (avcC lengthSizeMinusOne + 1). */
  nalLengthSize?: number;
}

/** Video pattern for cbcs (§10.4.2): encrypt 1 block of 16 bytes, skip 9. */
export const CBCS_VIDEO_PATTERN = { crypt: 1, skip: 9 } as const;
