import { ProblemError } from '@cascade/common';
import { COUNTRY, PATHWAY_ID, PATHWAY_STATES, TOKEN_FORMATS, type Pathway, type PathwayState, type SteeringConfig, type TokenFormat } from './pathway.ts';

export interface SteeringEnv {
  STEERING_PATHWAYS?: string;
  STEERING_TOKEN_SECRETS?: string;
  STEERING_TTL_SECONDS?: string;
  STEERING_PROBE_PATH?: string;
  STEERING_PROBE_FAILURES?: string;
  STEERING_PROBE_RECOVERIES?: string;
}

function invalid(variable: string, expected: string, received: unknown): ProblemError {
  const shown = typeof received === 'string' ? JSON.stringify(received.slice(0, 80)) : JSON.stringify(received)?.slice(0, 80) ?? String(received);
  return new ProblemError('config-invalid', `${variable}: expected ${expected}, received ${shown}`);
}

function intVar(env: SteeringEnv, name: keyof SteeringEnv, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw invalid(name, `an integer in ${min}..${max}`, raw);
  return value;
}

function parseJson(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw invalid(name, 'JSON', name === 'STEERING_TOKEN_SECRETS' ? '(redacted)' : raw);
  }
}

const KEYS = new Set(['id', 'baseUrl', 'tokenFormat', 'weight', 'regions', 'cost', 'state']);

function parsePathway(value: unknown, i: number, secrets: Record<string, unknown>, environment: string): Pathway {
  const at = `STEERING_PATHWAYS[${i}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(at, 'an object', value);
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) if (!KEYS.has(key)) throw invalid(`${at}.${key}`, `one of the fields ${[...KEYS].join(', ')}`, key);
  const id = entry['id'];
  if (typeof id !== 'string' || !PATHWAY_ID.test(id)) throw invalid(`${at}.id`, '1..32 characters [A-Za-z0-9._~-]', id);
  const tokenFormat = entry['tokenFormat'];
  if (!(TOKEN_FORMATS as readonly unknown[]).includes(tokenFormat)) throw invalid(`${at}.tokenFormat`, TOKEN_FORMATS.join(' or '), tokenFormat);
  const rawBase = entry['baseUrl'];
  let baseUrl: Pathway['baseUrl'];
  if (tokenFormat === 'edge') {
    if (rawBase !== 'self') throw invalid(`${at}.baseUrl`, '"self" for tokenFormat "edge"', rawBase);
    baseUrl = 'self';
  } else {
    let url: URL | undefined;
    try {
      url = typeof rawBase === 'string' ? new URL(rawBase) : undefined;
    } catch {
      url = undefined;
    }
    const protocols = environment === 'production' ? ['https:'] : ['https:', 'http:'];
    if (url === undefined || !protocols.includes(url.protocol) || !url.pathname.endsWith('/') || url.search !== '' || url.hash !== '') {
      throw invalid(`${at}.baseUrl`, `an absolute ${protocols.join(' or ')} URL ending in '/' without query`, rawBase);
    }
    baseUrl = url;
  }
  const weight = entry['weight'] ?? 1;
  if (!Number.isInteger(weight) || (weight as number) < 0 || (weight as number) > 1000) throw invalid(`${at}.weight`, 'an integer in 0..1000', weight);
  const cost = entry['cost'] ?? 1;
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0 || cost > 1000) throw invalid(`${at}.cost`, 'a number in 0..1000', cost);
  const regions = entry['regions'] ?? [];
  if (!Array.isArray(regions) || !regions.every((r) => typeof r === 'string' && COUNTRY.test(r))) throw invalid(`${at}.regions`, 'a list of ISO 3166 alpha-2 codes', regions);
  const state = entry['state'] ?? 'active';
  if (!(PATHWAY_STATES as readonly unknown[]).includes(state)) throw invalid(`${at}.state`, PATHWAY_STATES.join(', '), state);
  const pathway: Pathway = { id, baseUrl, tokenFormat: tokenFormat as TokenFormat, weight: weight as number, regions: [...new Set(regions as string[])], cost, state: state as PathwayState };
  const secret = secrets[id];
  if (tokenFormat === 'nginx-secure-link') {
    if (typeof secret !== 'string' || secret.length < 16 || /[\s"]/.test(secret)) throw invalid(`STEERING_TOKEN_SECRETS.${id}`, 'a secret of at least 16 characters without spaces or quotes', '(redacted)');
    pathway.secret = secret;
  } else if (tokenFormat === 'akamai') {
    // Akamai shows the token key as hex; at least 128 bits.
    if (typeof secret !== 'string' || !/^(?:[0-9a-fA-F]{2}){16,}$/.test(secret)) throw invalid(`STEERING_TOKEN_SECRETS.${id}`, 'the Akamai token key: an even-length hex string of at least 32 digits', '(redacted)');
    pathway.secret = secret;
  } else if (tokenFormat === 'cloudfront') {
    const key = secret as { keyPairId?: unknown; privateKeyPem?: unknown } | undefined;
    if (
      typeof key !== 'object' || key === null || typeof key.keyPairId !== 'string' || !/^[A-Z0-9]{1,64}$/.test(key.keyPairId) ||
      typeof key.privateKeyPem !== 'string' || !key.privateKeyPem.includes('-----BEGIN PRIVATE KEY-----')
    ) {
      throw invalid(`STEERING_TOKEN_SECRETS.${id}`, '{"keyPairId": "K…" (A-Z, 0-9), "privateKeyPem": a PKCS#8 "BEGIN PRIVATE KEY" PEM}', '(redacted)');
    }
    pathway.cloudFront = { keyPairId: key.keyPairId, privateKeyPem: key.privateKeyPem };
  }
  return pathway;
}

/**
 * STEERING_PATHWAYS (JSON list of pathways) and STEERING_TOKEN_SECRETS (secret: JSON object, pathway id to
 * its CDN token secret), checked once. Unset STEERING_PATHWAYS: no pathways, so manifests carry no steering
 * tag (the operator's surge cap still applies).
 */
export function parseSteeringConfig(env: SteeringEnv, environment: string): SteeringConfig {
  const raw = env.STEERING_PATHWAYS?.trim();
  const ttlSeconds = intVar(env, 'STEERING_TTL_SECONDS', 10, 1, 3600);
  const probePath = env.STEERING_PROBE_PATH?.trim() || 'vod/slate/master.m3u8';
  if (!/^(vod|live)\/[A-Za-z0-9][A-Za-z0-9._-]{0,63}\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(probePath)) {
    throw invalid('STEERING_PROBE_PATH', '"{vod|live}/{title}/{file}"', probePath);
  }
  const common = {
    ttlSeconds,
    cacheSeconds: Math.min(2, ttlSeconds),
    probePath,
    probeFailures: intVar(env, 'STEERING_PROBE_FAILURES', 2, 1, 100),
    probeRecoveries: intVar(env, 'STEERING_PROBE_RECOVERIES', 3, 1, 100),
  };
  if (raw === undefined || raw === '') return { pathways: [], ...common };
  const list = parseJson('STEERING_PATHWAYS', raw);
  if (!Array.isArray(list) || list.length === 0 || list.length > 16) throw invalid('STEERING_PATHWAYS', 'a JSON list of 1..16 pathways', raw);
  const rawSecrets = env.STEERING_TOKEN_SECRETS?.trim();
  const secrets = rawSecrets ? parseJson('STEERING_TOKEN_SECRETS', rawSecrets) : {};
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets) || !Object.values(secrets).every((s) => typeof s === 'string' || (typeof s === 'object' && s !== null && !Array.isArray(s)))) {
    throw invalid('STEERING_TOKEN_SECRETS', 'a JSON object of pathway id to secret string (CloudFront: {keyPairId, privateKeyPem})', '(redacted)');
  }
  const pathways = list.map((entry, i) => parsePathway(entry, i, secrets as Record<string, unknown>, environment));
  const ids = new Set<string>();
  for (const pathway of pathways) {
    if (ids.has(pathway.id)) throw invalid('STEERING_PATHWAYS', 'distinct pathway ids', pathway.id);
    ids.add(pathway.id);
  }
  if (!pathways.some((p) => p.weight > 0)) throw invalid('STEERING_PATHWAYS', 'at least one pathway with weight > 0', raw);
  return { pathways, ...common };
}
