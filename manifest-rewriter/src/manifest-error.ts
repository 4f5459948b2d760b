/** Why a manifest was refused; stable strings, so callers may branch on them and put them in problem details. */
export type ManifestErrorReason =
  | 'not-a-playlist'
  | 'not-an-mpd'
  | 'too-large'
  | 'malformed-xml'
  | 'invalid-url'
  /** An HLS playlist whose structure is broken, e.g. EXT-X-STREAM-INF without its URI line. */
  | 'malformed-playlist'
  /** The rendition filter left no variant the viewer may play. */
  | 'empty-ladder'
  /** XML features an MPD never needs and attacks rely on: DOCTYPE, entity declarations, external entities. */
  | 'forbidden-xml'
  /** Elements nested deeper than any real MPD (a stack-exhaustion attempt). */
  | 'too-deep'
  /** A subtitle file that is not WebVTT (no signature, or a cue timing line that does not parse). */
  | 'not-webvtt';

/**
 * The upstream manifest cannot be rewritten safely. Callers treat it as an upstream fault (the edge answers
 * 502 `upstream-error`), never as a viewer error, so it carries no HTTP status of its own.
 */
export class ManifestError extends Error {
  readonly reason: ManifestErrorReason;

  constructor(reason: ManifestErrorReason, message: string) {
    super(message);
    this.name = 'ManifestError';
    this.reason = reason;
  }
}
