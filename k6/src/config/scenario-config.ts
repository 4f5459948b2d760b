/**
 * Every k6 scenario is configured by environment variables (`k6 run -e NAME=value`), checked once here.
 * A bad value stops the run before any request, with a message naming the variable, what it expects
 * and what it got. Pure: takes the env as a record so a test can check it under Node.
 */
export interface ScenarioConfig {
  /** The edge (or the CDN in front of it), e.g. http://127.0.0.1:8787. */
  baseUrl: string;
  title: string;
  /** Multiplies every arrival rate and VU count: 1 on a laptop, more per k6 instance in a cluster. */
  scale: number;
  baseArrivalsPerSecond: number;
  peakArrivalsPerSecond: number;
  warmSeconds: number;
  riseSeconds: number;
  plateauSeconds: number;
  dipFactor: number;
  dipSeconds: number;
  recoverSeconds: number;
  watchSeconds: number;
  maxVUs: number;
  heartbeatSeconds: number;
  maxHeight: number | undefined;
  fallbackOrigins: string[];
  failoverAtSeconds: number | undefined;
  abuseShare: number;
  devCountry: string | undefined;
  tokensFile: string;
  summaryFile: string | undefined;
}

function fail(name: string, expected: string, received: string | undefined): never {
  throw new Error(`${name}: expected ${expected}, received ${received === undefined ? 'nothing' : JSON.stringify(received)}`);
}

function number(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) fail(name, `a number from ${min} to ${max}`, raw);
  return value;
}

function url(env: Record<string, string | undefined>, name: string, raw: string | undefined): string {
  if (raw === undefined || !/^https?:\/\/[^/?#\s]+$/.test(raw.replace(/\/$/, ''))) fail(name, 'an http(s) origin such as http://127.0.0.1:8787', raw);
  return raw.replace(/\/$/, '');
}

export function scenarioConfig(env: Record<string, string | undefined>, defaults: { title: string; summaryFile?: string }): ScenarioConfig {
  const baseUrl = url(env, 'BASE_URL', env['BASE_URL'] ?? 'http://127.0.0.1:8787');
  const title = env['TITLE'] ?? defaults.title;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(title)) fail('TITLE', 'a title id ([A-Za-z0-9][A-Za-z0-9._-]*)', title);
  const scale = number(env, 'SCALE', 1, 0.0001, 1e6);
  const peak = number(env, 'PEAK_ARRIVALS_PER_S', 20, 0, 1e7);
  const watchSeconds = number(env, 'WATCH_SECONDS', 120, 1, 86400);
  const fallbackOrigins = (env['FALLBACK_ORIGINS'] ?? '').split(',').filter((s) => s !== '').map((s) => url(env, 'FALLBACK_ORIGINS', s));
  const maxHeightRaw = env['MAX_HEIGHT'];
  const failoverRaw = env['FAILOVER_AT_SECONDS'];
  const devCountry = env['DEV_COUNTRY'];
  if (devCountry !== undefined && !/^[A-Z]{2}$/.test(devCountry)) fail('DEV_COUNTRY', 'an ISO 3166 alpha-2 code such as IN', devCountry);
  return {
    baseUrl,
    title,
    scale,
    baseArrivalsPerSecond: number(env, 'BASE_ARRIVALS_PER_S', 2, 0, 1e7),
    peakArrivalsPerSecond: peak,
    warmSeconds: number(env, 'WARM_SECONDS', 30, 0, 86400),
    riseSeconds: number(env, 'RISE_SECONDS', 20, 1, 86400),
    plateauSeconds: number(env, 'PLATEAU_SECONDS', 120, 0, 86400),
    dipFactor: number(env, 'DIP_FACTOR', 0.3, 0, 1),
    dipSeconds: number(env, 'DIP_SECONDS', 60, 0, 86400),
    recoverSeconds: number(env, 'RECOVER_SECONDS', 30, 0, 86400),
    watchSeconds,
    // Concurrency = arrivals × time per viewer; 20 % spare for slow responses.
    maxVUs: Math.ceil(number(env, 'MAX_VUS', Math.ceil(peak * scale * (watchSeconds + 5) * 1.2), 1, 1e8)),
    heartbeatSeconds: number(env, 'HEARTBEAT_SECONDS', 60, 0, 3600),
    maxHeight: maxHeightRaw === undefined ? undefined : number(env, 'MAX_HEIGHT', 0, 144, 4320),
    fallbackOrigins,
    failoverAtSeconds: failoverRaw === undefined ? undefined : number(env, 'FAILOVER_AT_SECONDS', 0, 0, 86400),
    abuseShare: number(env, 'ABUSE_SHARE', 0.2, 0, 1),
    devCountry,
    tokensFile: env['TOKENS_FILE'] ?? './tokens.json',
    summaryFile: env['SUMMARY_FILE'] ?? defaults.summaryFile,
  };
}

export interface ArrivalStage {
  target: number;
  duration: string;
}

/**
 * New viewers per second shaped like a wicket in a final: a base, a steep rise to the peak, a plateau,
 * the innings-break dip, the recovery to the peak for the second innings, then the end.
 */
export function wicketStages(config: ScenarioConfig): ArrivalStage[] {
  const rate = (perSecond: number) => Math.max(0, Math.round(perSecond * config.scale));
  const s = (seconds: number) => `${Math.max(1, Math.round(seconds))}s`;
  return [
    { target: rate(config.baseArrivalsPerSecond), duration: s(config.warmSeconds) },
    { target: rate(config.peakArrivalsPerSecond), duration: s(config.riseSeconds) },
    { target: rate(config.peakArrivalsPerSecond), duration: s(config.plateauSeconds) },
    { target: rate(config.peakArrivalsPerSecond * config.dipFactor), duration: s(config.riseSeconds) },
    { target: rate(config.peakArrivalsPerSecond * config.dipFactor), duration: s(config.dipSeconds) },
    { target: rate(config.peakArrivalsPerSecond), duration: s(config.recoverSeconds) },
    { target: 0, duration: s(config.riseSeconds) },
  ];
}
