import { ProblemError } from '@cascade/common';

/** How ads reach the player: stitched into the media playlists, or HLS Interstitials (server-guided, X-ASSET-LIST). */
export const AD_MODES = ['stitched', 'interstitials'] as const;
export type AdMode = (typeof AD_MODES)[number];

/** The macros an ad server URL template may use; values are percent-encoded when substituted. */
export const AD_MACROS = ['session', 'device', 'region', 'consent', 'duration', 'position', 'title', 'cachebuster'] as const;
export type AdMacro = (typeof AD_MACROS)[number];

/** One ad decision server and the titles/channels it serves (AD_SERVERS). */
export interface AdServerConfig {
  id: string;
  /** Title ids (VOD) and channel ids (live) it serves; an entry ending in `*` is a prefix. */
  titles: string[];
  /** A VAST URL template, asked once per break… */
  vastUrl?: string;
  /** …or a VMAP URL template, asked once per VOD session; its breaks replace `cuePoints`. */
  vmapUrl?: string;
  /** VOD break positions (seconds; `"end"` for a post-roll) when the ad server answers VAST. */
  cuePoints: (number | 'end')[];
  /** How long each VOD break may be (seconds); live breaks take the SCTE-35 duration. */
  breakSeconds: number;
  /** The whole decision of a break, wrappers included, gives up after this (default 3000). */
  timeoutMs: number;
  maxWrapperDepth: number;
  mode: AdMode;
  /**
   * Live: decide a break announced ahead (early SCTE-35 DATERANGE) this many seconds before it starts, each
   * session at its own point in the window, so viewers reaching the break do not hit the ad server at once.
   * 0: decide when the break reaches the playlist.
   */
  prefetchSeconds: number;
  /** Live: share one decision per break among viewers with the same targeting key (largest events). */
  cohortBy: CohortKey;
}

export const COHORT_KEYS = ['none', 'region', 'region-device'] as const;
export type CohortKey = (typeof COHORT_KEYS)[number];

export interface AdsConfig {
  servers: AdServerConfig[];
  /** Where the edge asks the origin to condition a creative, and with which operator token (both or neither). */
  conditioning: { originUrl: URL; apiToken: string } | undefined;
}

function invalid(expected: string, received: unknown, where: string): ProblemError {
  const shown = typeof received === 'string' ? JSON.stringify(received.slice(0, 120)) : JSON.stringify(received)?.slice(0, 120);
  return new ProblemError('config-invalid', `AD_SERVERS${where}: expected ${expected}, received ${shown}`);
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\*?$/;

/** A URL template: `{macro}` placeholders from AD_MACROS only, and an http(s) URL once they are filled. */
export function checkUrlTemplate(template: unknown, where: string, production: boolean): string {
  if (typeof template !== 'string' || template.length > 2048) throw invalid('a URL template string', template, where);
  for (const match of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(AD_MACROS as readonly string[]).includes(match[1]!)) throw invalid(`macros among {${AD_MACROS.join('}, {')}}`, match[0], where);
  }
  let url: URL;
  try {
    url = new URL(template.replace(/\{[^}]*\}/g, 'x'));
  } catch {
    throw invalid('an absolute URL', template, where);
  }
  const allowed = production ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) throw invalid(`${allowed.join(' or ')} URLs`, template, where);
  if (url.username !== '' || url.password !== '') throw invalid('a URL without credentials', template, where);
  return template;
}

/** Fill a checked template; every value is percent-encoded so a viewer's consent string cannot add parameters. */
export function fillUrlTemplate(template: string, values: Partial<Record<AdMacro, string>>): string {
  return template.replace(/\{([a-z]+)\}/g, (_, name: AdMacro) => encodeURIComponent(values[name] ?? ''));
}

function integerField(value: unknown, fallback: number, min: number, max: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(`an integer in ${min}..${max}`, value, where);
  return value;
}

function cohort(value: unknown, where: string): CohortKey {
  if (value === undefined) return 'none';
  if (!(COHORT_KEYS as readonly unknown[]).includes(value)) throw invalid(COHORT_KEYS.join(' or '), value, where);
  return value as CohortKey;
}

function server(raw: unknown, index: number, production: boolean): AdServerConfig {
  const at = `[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('an object', raw, at);
  const entry = raw as Record<string, unknown>;
  const known = ['id', 'titles', 'vastUrl', 'vmapUrl', 'cuePoints', 'breakSeconds', 'timeoutMs', 'maxWrapperDepth', 'mode', 'prefetchSeconds', 'cohortBy'];
  for (const key of Object.keys(entry)) if (!known.includes(key)) throw invalid(`only the fields ${known.join(', ')}`, key, at);
  const id = entry['id'];
  if (typeof id !== 'string' || !ID.test(id) || id.endsWith('*')) throw invalid('an id', id, `${at}.id`);
  const titles = entry['titles'];
  if (!Array.isArray(titles) || titles.length === 0 || !titles.every((t) => typeof t === 'string' && ID.test(t))) throw invalid('a non-empty list of title ids (a trailing * is a prefix)', titles, `${at}.titles`);
  if ((entry['vastUrl'] === undefined) === (entry['vmapUrl'] === undefined)) throw invalid('exactly one of vastUrl or vmapUrl', Object.keys(entry).join(','), at);
  const cuePointsRaw = entry['cuePoints'] ?? [0];
  if (!Array.isArray(cuePointsRaw) || cuePointsRaw.length > 100 || !cuePointsRaw.every((c) => c === 'end' || (typeof c === 'number' && Number.isFinite(c) && c >= 0))) {
    throw invalid('a list of seconds >= 0 or "end"', cuePointsRaw, `${at}.cuePoints`);
  }
  const mode = entry['mode'] ?? 'stitched';
  if (!(AD_MODES as readonly unknown[]).includes(mode)) throw invalid(AD_MODES.join(' or '), mode, `${at}.mode`);
  return {
    id,
    titles: titles as string[],
    ...(entry['vastUrl'] !== undefined && { vastUrl: checkUrlTemplate(entry['vastUrl'], `${at}.vastUrl`, production) }),
    ...(entry['vmapUrl'] !== undefined && { vmapUrl: checkUrlTemplate(entry['vmapUrl'], `${at}.vmapUrl`, production) }),
    cuePoints: cuePointsRaw as (number | 'end')[],
    breakSeconds: integerField(entry['breakSeconds'], 30, 1, 600, `${at}.breakSeconds`),
    timeoutMs: integerField(entry['timeoutMs'], 3000, 100, 10_000, `${at}.timeoutMs`),
    maxWrapperDepth: integerField(entry['maxWrapperDepth'], 5, 0, 10, `${at}.maxWrapperDepth`),
    mode: mode as AdMode,
    prefetchSeconds: integerField(entry['prefetchSeconds'], 0, 0, 3600, `${at}.prefetchSeconds`),
    cohortBy: cohort(entry['cohortBy'], `${at}.cohortBy`),
  };
}

/**
 * AD_SERVERS: a JSON list of ad decision servers (README "Ad insertion"). Unset or empty: no ads anywhere.
 * AD_CONDITIONING_URL + ORIGIN_API_TOKEN: where creatives are sent to be transcoded.
 */
export function parseAdsConfig(env: { AD_SERVERS?: string; AD_CONDITIONING_URL?: string; ORIGIN_API_TOKEN?: string }, production: boolean): AdsConfig {
  const raw = env.AD_SERVERS?.trim();
  let servers: AdServerConfig[] = [];
  if (raw) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalid('JSON', raw, '');
    }
    if (!Array.isArray(parsed) || parsed.length > 100) throw invalid('a JSON list of at most 100 ad servers', parsed, '');
    servers = parsed.map((s, i) => server(s, i, production));
  }
  const url = env.AD_CONDITIONING_URL?.trim();
  const token = env.ORIGIN_API_TOKEN?.trim();
  if (!url !== !token) {
    throw new ProblemError('config-invalid', `AD_CONDITIONING_URL and ORIGIN_API_TOKEN: expected both or neither, received ${url ? 'only AD_CONDITIONING_URL' : 'only ORIGIN_API_TOKEN'}`);
  }
  let conditioning: AdsConfig['conditioning'];
  if (url && token) {
    let originUrl: URL;
    try {
      originUrl = new URL(url);
    } catch {
      throw new ProblemError('config-invalid', `AD_CONDITIONING_URL: expected an absolute http(s) URL, received ${JSON.stringify(url.slice(0, 80))}`);
    }
    if (originUrl.protocol !== 'https:' && (production || originUrl.protocol !== 'http:')) {
      throw new ProblemError('config-invalid', `AD_CONDITIONING_URL: expected ${production ? 'https' : 'http or https'}, received ${JSON.stringify(originUrl.protocol)}`);
    }
    if (token.length < 16) throw new ProblemError('config-invalid', 'ORIGIN_API_TOKEN: expected at least 16 characters, received (redacted)');
    conditioning = { originUrl, apiToken: token };
  }
  return { servers, conditioning };
}

/** The ad server for a title or channel, if any (first match wins). */
export function adServerFor(config: AdsConfig, titleId: string): AdServerConfig | undefined {
  return config.servers.find((s) => s.titles.some((t) => (t.endsWith('*') ? titleId.startsWith(t.slice(0, -1)) : t === titleId)));
}
