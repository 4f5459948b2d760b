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
  const headers = { ...options.headers, [SHIELD_AUTH_HEADER]: options.shieldAuthSecret };
  // The deadline covers the body too (the signal aborts a read still waiting when it fires) and both tries.
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response | undefined;
  // A GET that failed before any answer is tried once more, as browsers and HTTP clients do: a kept-alive
  // connection the shield closed just as it was reused fails that way (502s under the surge bench).
  for (let attempt = 1; response === undefined; attempt++) {
    try {
      response = await fetch(url, { signal, headers });
    } catch (error) {
      if (isTimeout(error)) throw new ProblemError('upstream-timeout', `the shield did not answer within ${options.timeoutMs} ms`);
      if (attempt === 2) throw new ProblemError('upstream-unreachable', 'the shield could not be reached');
    }
  }
  return streamsThrough(response) ? response : guardedBody(response, options.timeoutMs);
}

function isTimeout(error: unknown): boolean {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * Media bodies (segments, init segments) are piped to the player untouched: they are the hot path, and a
 * failure there can only cut the player's response short (and makes the edge cache's put fail, so a
 * fragment is never stored). Everything else (playlists, MPDs, JSON) the edge reads whole before it
 * answers, so those bodies are guarded.
 */
export function streamsThrough(response: Response): boolean {
  if (response.body === null) return true;
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  return (/^(video|audio)\//.test(type) && !type.includes('mpegurl')) || type.startsWith('application/mp4') || type.startsWith('application/octet-stream');
}

/**
 * A body whose read failures are the edge's own problems: the deadline passing mid-body is
 * `504 upstream-timeout`, and a connection that closes early, or a body shorter than its
 * Content-Length, is `502 upstream-truncated`. Without this a stalled body surfaced as `500 internal`,
 * and a fragment could reach the manifest rewriter and be reported as a bad playlist (bugs found under
 * load, issue 11).
 */
function guardedBody(response: Response, timeoutMs: number): Response {
  const declared = declaredLength(response.headers);
  const reader = response.body!.getReader();
  let received = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        controller.error(
          isTimeout(error)
            ? new ProblemError('upstream-timeout', `the shield's answer did not finish within ${timeoutMs} ms (${received} bytes received)`)
            : new ProblemError('upstream-truncated', `the shield's answer ended early after ${received}${declared === undefined ? '' : ` of ${declared}`} bytes`),
        );
        return;
      }
      if (chunk.done) {
        if (declared !== undefined && received !== declared) {
          controller.error(new ProblemError('upstream-truncated', `the shield's answer has ${received} bytes where its Content-Length says ${declared}`));
        } else {
          controller.close();
        }
        return;
      }
      received += chunk.value.byteLength;
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Content-Length counts the bytes on the wire; with a content coding the runtime may decode them, so no check. */
export function declaredLength(headers: Headers): number | undefined {
  const raw = headers.get('content-length');
  if (raw === null || !/^\d{1,15}$/.test(raw)) return undefined;
  const encoding = headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return undefined;
  return Number(raw);
}

/** Turn a non-2xx upstream answer into the edge's own error; 404 means the object does not exist. */
export function upstreamFailure(response: Response, notFound: ProblemError): ProblemError {
  if (response.status === 404) return notFound;
  // The shield's own deadline ran out waiting for the origin: still a timeout from the player's side.
  if (response.status === 504) return new ProblemError('upstream-timeout', 'the shield timed out waiting for the origin');
  return new ProblemError('upstream-error', `the shield answered ${response.status}`);
}
