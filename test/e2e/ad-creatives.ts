import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { waitFor } from './wait-for.ts';

/**
 * A conditioned creative's title as the edge names it (edge/src/ssai/plan-ads.ts adTitleIdFor): the VOD
 * packaging, or the cut at a live channel's segment length.
 *
 * No default for segmentSeconds: `undefined` (the VOD packaging) passed to a defaulted parameter took the
 * default, so the VOD cut was asked under the 2 s cut's id, without segmentSeconds; on a fresh origin data
 * directory the "2 s" titles were then packaged at 4 s (one ad segment over two channel slots).
 */
export function adTitleId(serverId: string, creativeId: string, segmentSeconds: number | undefined): string {
  return `ad-${createHash('sha256').update(`${serverId}\n${creativeId}${segmentSeconds === undefined ? '' : `\n${segmentSeconds}s`}`).digest('hex').slice(0, 24)}`;
}

/** One creative as the origin conditions it: the VOD packaging (`seconds` undefined) or a channel's cut. */
export interface CreativeCut {
  creative: string;
  seconds: number | undefined;
}

/**
 * Condition creatives of the local mock ad server as the edge would ask (`POST /api/v1/creatives`, idempotent:
 * a later run finds them ready in the kept origin data), then wait until every one is ready. Made before a
 * test, the transcodes do not run beside the live encoder while players play.
 */
export async function conditionCreatives(
  origin: { url: string; apiToken: string },
  adServer: string,
  serverId: string,
  cuts: readonly CreativeCut[],
  timeoutMs: number,
): Promise<void> {
  const headers = { authorization: `Bearer ${origin.apiToken}`, 'content-type': 'application/json' };
  for (const { creative, seconds } of cuts) {
    const asked = await fetch(`${origin.url}/api/v1/creatives`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: adTitleId(serverId, creative, seconds), creativeId: creative, url: `${adServer}/media/${creative}.mp4`, ...(seconds !== undefined && { segmentSeconds: seconds }) }),
    });
    expect([200, 202]).toContain(asked.status);
    await asked.body?.cancel();
  }
  for (const { creative, seconds } of cuts) {
    await waitFor(`conditioning of ${creative} (${seconds ?? 'VOD'} s segments)`, async () => {
      const response = await fetch(`${origin.url}/api/v1/creatives/${adTitleId(serverId, creative, seconds)}`, { headers });
      const state = (await response.json()) as { state: string; job?: { error: unknown } };
      if (state.state === 'failed') throw new Error(`conditioning failed: ${JSON.stringify(state.job?.error)}`);
      return state.state === 'ready' ? state : undefined;
    }, timeoutMs, 250);
  }
}
