import { emptyTracking, parseVast, BEACON_EVENTS, type Tracking, type VastInlineAd } from './vast-document.ts';
import { AdResponseError } from './xml-tree.ts';

/** One ad chosen for a break: its creative, its mezzanine and every tracker up the wrapper chain. */
export interface DecidedAd {
  creativeId: string;
  mezzanineUrl: string;
  durationSeconds: number;
  tracking: Tracking;
}

export interface Pod {
  ads: DecidedAd[];
  /** Seconds of the break the ads fill; the rest is slate. */
  filledSeconds: number;
  /** Why the answer was short or empty (timeout, malformed VAST…), for logs and the tracking JSON. */
  problems: string[];
}

export interface ResolvePodOptions {
  fetch: typeof fetch;
  /** Wrappers followed at most this deep (VAST 4.1 recommends at least 5). */
  maxWrapperDepth: number;
  /** The whole decision (every wrapper hop included) gives up at this signal. */
  signal: AbortSignal;
  breakSeconds: number;
  maxBytes?: number;
  /** Whether an ad can go in now (its creative conditioned); an unusable ad makes room for the next one. */
  usable?: (ad: DecidedAd) => Promise<boolean>;
}

const MAX_BYTES = 512 * 1024;
// A creative a few frames longer than the break still fits: encoders round durations.
const FILL_TOLERANCE_SECONDS = 0.5;

async function fetchText(url: string, options: ResolvePodOptions): Promise<string> {
  // Called unbound: workerd's fetch refuses any other `this` ("Illegal invocation").
  const fetcher = options.fetch;
  const response = await fetcher(url, { signal: options.signal, redirect: 'follow', headers: { accept: 'application/xml, text/xml' } });
  if (!response.ok) {
    await response.body?.cancel();
    throw new AdResponseError(`the ad server answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const limit = options.maxBytes ?? MAX_BYTES;
  if (declared > limit) {
    await response.body?.cancel();
    throw new AdResponseError(`the answer is larger than ${limit} bytes`);
  }
  const text = await response.text();
  if (text.length > limit) throw new AdResponseError(`the answer is larger than ${limit} bytes`);
  return text;
}

function merge(into: Tracking, from: Tracking): Tracking {
  const out = emptyTracking();
  for (const event of BEACON_EVENTS) out[event] = [...into[event], ...from[event]];
  return out;
}

/** Progressive MP4 first (the origin transcodes it), the largest picture up to 1080 lines. */
function mezzanine(ad: VastInlineAd): string | undefined {
  const candidates = ad.mediaFiles
    .filter((m) => m.type === 'video/mp4' || m.type === 'video/quicktime' || m.type === 'video/webm')
    .sort((a, b) => Number(b.delivery === 'progressive') - Number(a.delivery === 'progressive') || Number(b.height <= 1080) - Number(a.height <= 1080) || b.height - a.height);
  return candidates[0]?.url;
}

/** Follow one VAST answer (and its wrappers) to inline ads, carrying the wrappers' trackers down. */
async function resolve(source: { url: string } | { document: string }, depth: number, inherited: Tracking, options: ResolvePodOptions, problems: string[]): Promise<DecidedAd[]> {
  let text: string;
  if ('document' in source) text = source.document;
  else {
    try {
      text = await fetchText(source.url, options);
    } catch (error) {
      problems.push(options.signal.aborted ? 'the ad decision timed out' : `fetching VAST failed: ${(error as Error).message}`);
      return [];
    }
  }
  let document;
  try {
    document = parseVast(text);
  } catch (error) {
    problems.push(`malformed VAST: ${(error as Error).message}`);
    return [];
  }
  if (document.ads.length === 0) problems.push('the ad server had no ad (empty VAST)');
  // A pod (ads with a sequence) is played in sequence order; otherwise the first ad stands alone (VAST 3 §2.3.2).
  const pod = document.ads.filter((a) => a.sequence !== undefined).sort((a, b) => a.sequence! - b.sequence!);
  const chosen = pod.length > 0 ? pod : document.ads.slice(0, 1);
  const out: DecidedAd[] = [];
  for (const ad of chosen) {
    if (ad.kind === 'wrapper') {
      if (depth >= options.maxWrapperDepth) {
        problems.push(`wrapper chain deeper than ${options.maxWrapperDepth}`);
        continue;
      }
      out.push(...(await resolve({ url: ad.adTagUri }, depth + 1, merge(inherited, ad.tracking), options, problems)));
      continue;
    }
    const url = mezzanine(ad);
    if (url === undefined) {
      problems.push(`ad ${ad.id} has no MP4 media file`);
      continue;
    }
    out.push({ creativeId: ad.creativeId, mezzanineUrl: url, durationSeconds: ad.durationSeconds, tracking: merge(inherited, ad.tracking) });
  }
  return out;
}

/**
 * Decide one break: follow the VAST (wrappers to `maxWrapperDepth`), then keep ads in order while they
 * fit the break. Never throws and never outlives `signal`: a slow, failing or malformed ad server
 * yields fewer ads (slate for the rest), never a delayed stream.
 */
export async function resolvePod(source: { url: string } | { document: string }, options: ResolvePodOptions): Promise<Pod> {
  const problems: string[] = [];
  const aborted = new Promise<DecidedAd[]>((resolve) => {
    if (options.signal.aborted) resolve([]);
    options.signal.addEventListener('abort', () => resolve([]), { once: true });
  });
  const candidates = await Promise.race([resolve(source, 0, emptyTracking(), options, problems), aborted]);
  if (options.signal.aborted && !problems.some((p) => p.includes('timed out'))) problems.push('the ad decision timed out');
  const ads: DecidedAd[] = [];
  let filled = 0;
  for (const ad of candidates) {
    if (filled + ad.durationSeconds > options.breakSeconds + FILL_TOLERANCE_SECONDS) continue;
    if (options.usable && !(await options.usable(ad))) {
      problems.push(`creative ${ad.creativeId} is not conditioned yet`);
      continue;
    }
    ads.push(ad);
    filled += ad.durationSeconds;
  }
  return { ads, filledSeconds: filled, problems };
}
