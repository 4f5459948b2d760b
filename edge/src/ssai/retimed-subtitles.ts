import { ProblemError } from '@cascade/common';
import { ManifestError, parseWebVttRetiming, retimeWebVtt, type WebVttRetiming } from '@cascade/manifest-rewriter';
import type { EdgeConfig } from '../config.ts';
import { fetchMediaObject } from '../upstream/fetch-media-object.ts';

/**
 * The re-timing a subtitle URL of a stitched session asks for (`?breaks=` in HLS, `?window=` per DASH
 * content Period), or undefined for an ordinary subtitle fetch. A malformed one is refused (400 bad-request).
 */
export function subtitleRetiming(path: string, url: URL): WebVttRetiming | undefined {
  if (!path.endsWith('.vtt')) return undefined;
  const parsed = parseWebVttRetiming(url.searchParams);
  if ('problem' in parsed) throw new ProblemError('bad-request', `subtitles: ${parsed.problem}`);
  return parsed.retiming;
}

/**
 * A title's WebVTT file re-timed for a stitched session (README "Ad insertion", subtitles): fetched like any
 * media object (Cache API, then the shield; the cached copy is the title's own), then its cues moved past
 * the session's ads or cut to one Period's window. An upstream error passes through as it came; a file that
 * is not WebVTT is the upstream's fault (502 upstream-error).
 */
export async function retimedSubtitles(config: EdgeConfig, url: URL, path: string, retiming: WebVttRetiming, waitUntil: (p: Promise<unknown>) => void): Promise<Response> {
  const object = await fetchMediaObject(config, url, path, waitUntil);
  const upstream = object.response;
  if (upstream.status !== 200) return upstream;
  let body: string;
  try {
    body = retimeWebVtt(await upstream.text(), retiming);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    throw new ProblemError('upstream-error', `subtitles ${path}: ${error.message}`);
  }
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/vtt; charset=utf-8',
      // The URL carries the session's token: nothing shared may keep it.
      'cache-control': 'private, max-age=3600',
      'x-edge-cache': object.cache,
    },
  });
}
