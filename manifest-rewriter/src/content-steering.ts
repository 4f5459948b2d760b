/** Content steering (HLS EXT-X-CONTENT-STEERING, DASH ContentSteering): where players fetch the steering manifest. */
export interface ContentSteering {
  /** Absolute or relative URL of the steering server; written as given (escaped for the format). */
  serverUri: string;
  /** Pathway (HLS PATHWAY-ID) / service location (DASH defaultServiceLocation) to start on. */
  defaultPathway?: string;
}

export function checkContentSteering(steering: ContentSteering, path: string): void {
  if (typeof steering.serverUri !== 'string' || steering.serverUri === '' || /["\r\n<>]/.test(steering.serverUri)) {
    throw new RangeError(`${path}.serverUri: expected a URL without quotes, angle brackets or line breaks, received ${JSON.stringify(steering.serverUri)}`);
  }
  // RFC 8216bis 4.4.6.6: PATHWAY-ID characters are [a-zA-Z0-9], '-', '.', '_' and '~'.
  if (steering.defaultPathway !== undefined && !/^[A-Za-z0-9._~-]+$/.test(steering.defaultPathway)) {
    throw new RangeError(`${path}.defaultPathway: expected [A-Za-z0-9._~-]+, received ${JSON.stringify(steering.defaultPathway)}`);
  }
}
