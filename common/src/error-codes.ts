/**
 * The one registry of error codes for every tier (edge, shield, origin).
 *
 * Players and operators key behaviour off `code`, so a code is never renamed, reused or removed:
 * retire one by marking it deprecated in its description. Each entry fixes the HTTP status and a
 * short title; the instance-specific explanation goes in `detail`.
 */
export const ErrorCodes = {
  'token-missing': { status: 401, title: 'A viewer token is required' },
  'token-invalid': { status: 401, title: 'The viewer token is not valid' },
  'token-expired': { status: 401, title: 'The viewer token has expired' },
  'session-token-invalid': { status: 401, title: 'The session token is not valid for this URL' },
  'session-token-expired': { status: 401, title: 'The session token has expired' },
  'not-entitled': { status: 403, title: 'The viewer is not entitled to this content' },
  'title-not-found': { status: 404, title: 'No such title' },
  'not-found': { status: 404, title: 'No such resource' },
  'bad-path': { status: 400, title: 'The request path is not allowed' },
  'bad-request': { status: 400, title: 'The request is malformed' },
  'range-not-satisfiable': { status: 416, title: 'The requested range cannot be served' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'too-many-streams': { status: 429, title: 'Too many concurrent streams' },
  'geo-blocked': { status: 451, title: 'Not available in the viewer’s country' },
  'upstream-error': { status: 502, title: 'The upstream tier answered with an error' },
  'upstream-unreachable': { status: 502, title: 'The upstream tier could not be reached' },
  'upstream-timeout': { status: 504, title: 'The upstream tier did not answer in time' },
  'not-ready': { status: 503, title: 'The service is still starting' },
  'config-invalid': { status: 500, title: 'The service configuration is invalid' },
  internal: { status: 500, title: 'Internal error' },
  // Origin ingest and jobs (issue 6).
  'payload-too-large': { status: 413, title: 'The upload is larger than the origin accepts' },
  'title-exists': { status: 409, title: 'The title already exists or is being ingested' },
  'source-unreadable': { status: 422, title: 'The source is not a readable media file' },
  'source-unsupported': { status: 422, title: 'The source is media the origin does not support' },
  'upload-incomplete': { status: 400, title: 'The upload ended before all its bytes arrived' },
  'ingest-source-forbidden': { status: 403, title: 'The origin may not read this ingest source' },
  'ingest-source-failed': { status: 502, title: 'The ingest source could not be fetched' },
  'job-not-found': { status: 404, title: 'No such ingest job' },
  'job-cancelled': { status: 409, title: 'The ingest job was cancelled' },
  'job-failed': { status: 500, title: 'The ingest job failed while transcoding or packaging' },
  // shield
  'shield-auth-missing': { status: 403, title: 'The shield serves only authenticated CDNs; the credential is missing' },
  'shield-auth-invalid': { status: 403, title: 'The shield credential is not valid' },
  // Access control at the edge (issue 3).
  'not-available-yet': { status: 403, title: 'The title is not available yet' },
  'no-longer-available': { status: 403, title: 'The title is no longer available' },
  'access-revoked': { status: 401, title: 'Access was revoked by an operator' },
  'identity-unavailable': { status: 503, title: 'The identity service could not be reached' },
  'revocation-unavailable': { status: 503, title: 'The revocation list could not be read' },
  // Concurrent-stream limits (issue 8).
  'stream-evicted': { status: 409, title: 'The stream was stopped because the account started another one' },
  'stream-ended': { status: 410, title: 'The stream ended: its lease expired, the player stopped it, or an operator ended it' },
  // Server-side ad insertion (issue 10).
  'ad-session-not-found': { status: 404, title: 'The play session has no ad plan' },
  'creative-not-found': { status: 404, title: 'No such ad creative on the origin' },
  // Shield LL-HLS blocking reloads (issue 5).
  'bad-hls-directive': { status: 400, title: 'The LL-HLS delivery directives (_HLS_msn, _HLS_part, _HLS_skip) are malformed' },
  // Licensing: ClearKey licences and key delivery (issue 8).
  'license-request-invalid': { status: 400, title: 'The licence request is malformed' },
  'license-key-unknown': { status: 404, title: 'A requested key is not a key of the title this session plays' },
  'license-key-not-entitled': { status: 403, title: 'The viewer is not entitled to a requested key (its picture tier is above the viewer’s)' },
  'license-unavailable': { status: 503, title: 'The licence service cannot read this title’s keys' },
  // Live channels at the origin (issue 7).
  'channel-not-found': { status: 404, title: 'No such live channel' },
  'channel-exists': { status: 409, title: 'A live channel or title with this id already exists' },
  'live-input-unsupported': { status: 422, title: 'The origin cannot read this kind of live input' },
  'break-conflict': { status: 409, title: 'The ad break overlaps another break of the channel' },
  // HLS AES-128 titles (issue 8): DASH has no whole-segment AES-128.
  'manifest-format-unavailable': { status: 404, title: 'The title is not offered in this manifest format' },
  // Early return from a live ad break at the origin (issue 10).
  'break-not-found': { status: 404, title: 'The channel has no such ad break' },
  'break-not-on-air': { status: 409, title: 'The ad break is not on air: it has not started, is over, or was already ended early' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ErrorCodes, value);
}
