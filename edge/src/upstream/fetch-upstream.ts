import { ProblemError } from '@cascade/common';

export interface UpstreamOptions {
  timeoutMs: number;
  /** The shield's CDN credential (config.shieldAuthSecret); required so no call can forget it. */
  shieldAuthSecret: string;
  headers?: Record<string, string>;
}

/** The header the shield checks on every request (shield/src/secret-check.ts). */
export const SHIELD_AUTH_HEADER = 'x-cascade-shield-auth';

/**
 * Fetch from the shield with a hard deadline. Network failures and time-outs become problem errors
 * (502 upstream-unreachable, 504 upstream-timeout) so a dead or hanging shield never hangs a player.
 */
export async function fetchUpstream(url: URL, options: UpstreamOptions): Promise<Response> {
  try {
    const headers = { ...options.headers, [SHIELD_AUTH_HEADER]: options.shieldAuthSecret };
    return await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), headers });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new ProblemError('upstream-timeout', `the shield did not answer within ${options.timeoutMs} ms`);
    }
    throw new ProblemError('upstream-unreachable', 'the shield could not be reached');
  }
}

/** Turn a non-2xx upstream answer into the edge's own error; 404 means the object does not exist. */
export function upstreamFailure(response: Response, notFound: ProblemError): ProblemError {
  if (response.status === 404) return notFound;
  // The shield's own deadline ran out waiting for the origin: still a timeout from the player's side.
  if (response.status === 504) return new ProblemError('upstream-timeout', 'the shield timed out waiting for the origin');
  return new ProblemError('upstream-error', `the shield answered ${response.status}`);
}
