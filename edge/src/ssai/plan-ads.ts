import type { AdServerConfig, AdMacro } from './ad-server-config.ts';
import { fillUrlTemplate } from './ad-server-config.ts';
import type { AdPlan, PlannedBreak } from './ad-plan.ts';
import { resolvePod, type DecidedAd } from './resolve-pod.ts';
import { parseVmap, type VmapBreak } from './vast-document.ts';

export interface PlanContext {
  server: AdServerConfig;
  sid: string;
  titleId: string;
  /** Macro values from the viewer's request (device, region, consent). */
  viewer: { device: string; region: string; consent: string };
  fetch: typeof fetch;
  /** Whether the creative is conditioned; asks the origin to condition it when it is not. */
  usable: (ad: DecidedAd, adTitleId: string) => Promise<boolean>;
  now?: number;
}

/**
 * The origin title of a conditioned creative: one per ad server and creative id (the id ad servers keep
 * stable for a creative, as MediaTailor caches transcodes by it), whatever the session or mezzanine host.
 * With `segmentSeconds` (a live channel's segment length) it names the creative cut at that length, a title
 * of its own: the cache key includes the packaging.
 */
export async function adTitleIdFor(serverId: string, creativeId: string, segmentSeconds?: number): Promise<string> {
  const key = `${serverId}\n${creativeId}${segmentSeconds === undefined ? '' : `\n${segmentSeconds}s`}`;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return `ad-${[...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function position(at: number | 'end'): string {
  return at === 'end' ? 'postroll' : at === 0 ? 'preroll' : 'midroll';
}

/**
 * Decide every break of a VOD session within the server's timeout (default 3 s) for all of them together:
 * a VMAP names the breaks, otherwise the configured cue points each ask the VAST URL. Whatever is not
 * decided in time is left out; the stream never waits past the deadline.
 */
export async function planVodAds(context: PlanContext): Promise<AdPlan> {
  const { server, viewer } = context;
  const signal = AbortSignal.timeout(server.timeoutMs);
  const macros = (at: number | 'end', duration: number): Partial<Record<AdMacro, string>> => ({
    session: context.sid,
    device: viewer.device,
    region: viewer.region,
    consent: viewer.consent,
    title: context.titleId,
    duration: String(duration),
    position: position(at),
    cachebuster: String(Math.floor(Math.random() * 1e9)),
  });
  let sources: VmapBreak[] = [];
  const problems: string[] = [];
  if (server.vmapUrl !== undefined) {
    try {
      const fetcher = context.fetch; // unbound: workerd's fetch refuses another `this`
      const response = await fetcher(fillUrlTemplate(server.vmapUrl, macros(0, server.breakSeconds)), { signal });
      if (!response.ok) throw new Error(`the ad server answered ${response.status}`);
      sources = parseVmap(await response.text());
    } catch (error) {
      problems.push(signal.aborted ? 'the VMAP request timed out' : `VMAP failed: ${(error as Error).message}`);
    }
  } else {
    sources = server.cuePoints.map((at, i) => ({ id: `break-${i + 1}`, offset: at, source: { kind: 'url', url: fillUrlTemplate(server.vastUrl!, macros(at, server.breakSeconds)) } }));
  }
  const breaks = await Promise.all(
    sources.map(async (source): Promise<PlannedBreak> => {
      const pod = await resolvePod(source.source.kind === 'url' ? { url: source.source.url } : { document: source.source.vast }, {
        fetch: context.fetch,
        maxWrapperDepth: server.maxWrapperDepth,
        signal,
        breakSeconds: server.breakSeconds,
        usable: async (ad) => context.usable(ad, await adTitleIdFor(server.id, ad.creativeId)),
      });
      const ads = await Promise.all(pod.ads.map(async (ad) => ({ creativeId: ad.creativeId, adTitleId: await adTitleIdFor(server.id, ad.creativeId), durationSeconds: ad.durationSeconds, tracking: ad.tracking })));
      return { id: source.id, at: source.offset, durationSeconds: server.breakSeconds, ads, problems: [...problems, ...pod.problems] };
    }),
  );
  return { sid: context.sid, titleId: context.titleId, mode: server.mode, breaks, createdAt: context.now ?? Date.now() };
}
