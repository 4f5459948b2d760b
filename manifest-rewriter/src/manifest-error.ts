/** Why a manifest was refused; stable strings, so callers may branch on them and put them in problem details. */
export type ManifestErrorReason =
  | 'not-a-playlist'
  | 'not-an-mpd'
  | 'too-large'
  | 'malformed-xml'
  | 'invalid-url';

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
