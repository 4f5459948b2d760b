import type { EdgeConfig } from '../config.ts';
import { cdnQuery } from './cdn-query.ts';
import { isQueryTokenPathway } from './pathway.ts';
import { pathwayPrefix } from './pathway-base.ts';
import type { ProbeResult } from './steering-control.ts';

/**
 * One synthetic probe per pathway (the Worker's cron trigger): fetch STEERING_PROBE_PATH through the
 * pathway exactly as a player would, with a freshly minted token. Our own pathway is probed at the shield
 * it pulls from (an edge cannot usefully fetch itself from inside a Worker). 200 within the upstream timeout
 * is healthy; anything else, including a timeout, counts as a failure.
 */
export async function probePathways(config: EdgeConfig, fetcher: typeof fetch = fetch): Promise<ProbeResult[]> {
  const steering = config.steering;
  const slash = steering.probePath.lastIndexOf('/');
  const scope = steering.probePath.slice(0, slash + 1);
  const file = steering.probePath.slice(slash + 1);
  return Promise.all(
    steering.pathways.map(async (pathway): Promise<ProbeResult> => {
      let url: string;
      const headers: Record<string, string> = { 'user-agent': 'cascade-steering-probe' };
      if (pathway.baseUrl === 'self') {
        url = new URL(steering.probePath, config.shieldUrl).href;
        headers['x-cascade-shield-auth'] = config.shieldAuthSecret;
      } else if (isQueryTokenPathway(pathway)) {
        // The CDN itself, as a player's segment request reaches it.
        url = `${pathway.baseUrl}${steering.probePath}?${await cdnQuery(pathway, scope, Math.floor(Date.now() / 1000) + 300)}`;
      } else {
        const prefix = await pathwayPrefix(pathway, { edgeOrigin: '', token: '', scope, expires: Math.floor(Date.now() / 1000) + 300 });
        url = prefix.base + file;
      }
      try {
        const response = await fetcher(url, { headers, signal: AbortSignal.timeout(config.upstreamTimeoutMs) });
        await response.body?.cancel();
        return { pathway: pathway.id, ok: response.status === 200, detail: `HTTP ${response.status}` };
      } catch (error) {
        return { pathway: pathway.id, ok: false, detail: (error as Error).name === 'TimeoutError' ? 'timeout' : `unreachable: ${(error as Error).message}`.slice(0, 200) };
      }
    }),
  );
}
