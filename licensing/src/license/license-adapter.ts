import type { ContentKey } from '../keys/content-key.ts';

/** The DRM systems a licence adapter can speak for. ClearKey runs here; the others are vendor proxies. */
export type DrmSystem = 'clearkey' | 'widevine' | 'playready' | 'fairplay';

/** What the edge decided before any adapter runs: who, which session, which keys they may hold. */
export interface LicenseGrant {
  sessionId: string;
  account: string;
  titleId: string;
  /** The title's keys this viewer is entitled to (already unwrapped), and only those. */
  keys: readonly ContentKey[];
  /** The licence must not outlive the lease renewal it was issued in (epoch ms). */
  expiresAt: number;
}

/** The player's licence request, read by the adapter: the KIDs it asks for when the protocol names them. */
export interface LicenseChallenge {
  /** UUIDs; undefined when the challenge is opaque to us (Widevine/PlayReady/FairPlay SPC): the vendor reads it. */
  kids: string[] | undefined;
}

export interface LicenseAnswer {
  body: string | Uint8Array<ArrayBuffer>;
  contentType: string;
}

/**
 * One DRM system's licence protocol. The edge's licence route does every check (session, revocation,
 * lease, entitlement per KID) and calls the adapter only to read the challenge and to write the
 * licence for the keys it granted. A commercial multi-DRM adapter (Widevine, PlayReady, FairPlay via
 * a vendor's licence proxy: DRMtoday, KeyOS, Axinom, PallyCon) implements the same two methods:
 * `readChallenge` returns `kids: undefined`, and `issue` forwards the opaque challenge to the vendor
 * with an entitlement message listing `grant.keys` (their KIDs, or the keys themselves for vendors that
 * take key material), signed with the vendor credentials the adapter was built with, and relays the
 * vendor's answer. Nothing else in the edge changes.
 */
export interface LicenseAdapter {
  readonly system: DrmSystem;
  /** The path segment under /v1/license/ this adapter answers (`clearkey`, `widevine`, …). */
  readonly route: string;
  /** Throws LicenseRequestError for a malformed challenge. */
  readChallenge(body: Uint8Array): LicenseChallenge;
  issue(body: Uint8Array, grant: LicenseGrant): Promise<LicenseAnswer>;
}
