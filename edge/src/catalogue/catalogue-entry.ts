import { ProblemError } from '@cascade/common';
import { PLANS, type Plan } from '../auth/viewer.ts';
import { isKeyIdUuid, isKeyTier, type WrappedContentKey } from '@cascade/licensing/protection';

/** The catalogue's rights as the origin serves them (README "Catalogue rights"). */
export interface TitleRights {
  countries: { allow: string[] | null; deny: string[] };
  windows: { start: number | null; end: number | null; regions: string[] | null }[];
  blackouts: { start: number; end: number; regions: string[] }[];
}

/** What the edge needs of `GET /api/v1/titles/{id}`; times are parsed to epoch milliseconds once. */
export interface CatalogueEntry {
  id: string;
  kind: 'vod' | 'live';
  rights: TitleRights;
  packages: string[];
  plans: Plan[];
  /** Media playlist names and heights (from the media record), for max_height checks on reloads. */
  renditions: { playlist: string; height: number | undefined }[];
  /** A protected title's content keys, still wrapped under the KEK (README "Licensing"); undefined when clear. */
  protection: { scheme: 'cenc' | 'cbcs' | 'aes-128'; keys: WrappedContentKey[] } | undefined;
  /** The nominal segment length (`segmentDurationSeconds`); a live channel's creatives are conditioned at it. */
  segmentSeconds?: number;
}

function protection(value: unknown): CatalogueEntry['protection'] {
  if (value === undefined) return undefined;
  const p = object(value, 'protection');
  if (p['scheme'] !== 'cenc' && p['scheme'] !== 'cbcs' && p['scheme'] !== 'aes-128') throw fault('protection.scheme must be "cenc", "cbcs" or "aes-128"');
  const keys = p['keys'];
  if (!Array.isArray(keys) || keys.length === 0) throw fault('protection.keys must be a non-empty list');
  return {
    scheme: p['scheme'],
    keys: keys.map((k: unknown, i) => {
      const key = object(k, `protection.keys[${i}]`);
      if (!isKeyIdUuid(key['kid'])) throw fault(`protection.keys[${i}].kid must be a UUID`);
      if (!isKeyTier(key['tier'])) throw fault(`protection.keys[${i}].tier must be AUDIO, SD, HD or UHD`);
      if (typeof key['wrappedKey'] !== 'string' || !/^[A-Za-z0-9+/]{32}$/.test(key['wrappedKey'])) throw fault(`protection.keys[${i}].wrappedKey must be base64 of 24 bytes`);
      return { kid: key['kid'], tier: key['tier'], wrappedKey: key['wrappedKey'] };
    }),
  };
}

const COUNTRY = /^[A-Z]{2}$/;

function fault(what: string): ProblemError {
  return new ProblemError('upstream-error', `the catalogue entry is not valid: ${what}`);
}

function countries(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((c) => typeof c === 'string' && COUNTRY.test(c))) throw fault(`${field} must be a list of countries`);
  return value as string[];
}

function time(value: unknown, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw fault(`${field} must be an ISO 8601 time`);
  return ms;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fault(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function renditions(value: unknown): CatalogueEntry['renditions'] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw fault('renditions must be a list');
  return value.map((r: unknown, i) => {
    const rendition = object(r, `renditions[${i}]`);
    const playlist = rendition['playlist'];
    const height = rendition['height'];
    if (typeof playlist !== 'string') throw fault(`renditions[${i}].playlist must be a file name`);
    if (height !== undefined && !Number.isInteger(height)) throw fault(`renditions[${i}].height must be an integer`);
    return { playlist, height: height as number | undefined };
  });
}

/**
 * Check a catalogue entry from the shield. Rights the edge cannot read are an upstream fault (502):
 * the edge never guesses "allowed" from a document it does not understand.
 */
export function parseCatalogueEntry(value: unknown, id: string): CatalogueEntry {
  const entry = object(value, 'entry');
  if (entry['id'] !== id) throw fault(`id must be ${JSON.stringify(id)}`);
  const kind = entry['kind'];
  if (kind !== 'vod' && kind !== 'live') throw fault('kind must be "vod" or "live"');
  const rights = object(entry['rights'], 'rights');
  const c = object(rights['countries'], 'rights.countries');
  const windowsRaw = rights['windows'];
  const blackoutsRaw = rights['blackouts'] ?? [];
  if (!Array.isArray(windowsRaw)) throw fault('rights.windows must be a list');
  if (!Array.isArray(blackoutsRaw)) throw fault('rights.blackouts must be a list');
  const packages = entry['packages'] ?? [];
  if (!Array.isArray(packages) || !packages.every((p) => typeof p === 'string')) throw fault('packages must be a list of ids');
  const plans = entry['plans'] ?? [...PLANS];
  if (!Array.isArray(plans) || !plans.every((p) => (PLANS as readonly unknown[]).includes(p))) throw fault('plans must be a list of plans');
  return {
    id,
    kind,
    rights: {
      countries: { allow: c['allow'] === null ? null : countries(c['allow'], 'rights.countries.allow'), deny: countries(c['deny'], 'rights.countries.deny') },
      windows: windowsRaw.map((w: unknown, i) => {
        const window = object(w, `rights.windows[${i}]`);
        return {
          start: window['start'] === null ? null : time(window['start'], `rights.windows[${i}].start`),
          end: window['end'] === null ? null : time(window['end'], `rights.windows[${i}].end`),
          regions: window['regions'] === null ? null : countries(window['regions'], `rights.windows[${i}].regions`),
        };
      }),
      blackouts: blackoutsRaw.map((b: unknown, i) => {
        const blackout = object(b, `rights.blackouts[${i}]`);
        return {
          start: time(blackout['start'], `rights.blackouts[${i}].start`),
          end: time(blackout['end'], `rights.blackouts[${i}].end`),
          regions: countries(blackout['regions'], `rights.blackouts[${i}].regions`),
        };
      }),
    },
    packages: packages as string[],
    plans: plans as Plan[],
    renditions: renditions(entry['renditions']),
    protection: protection(entry['protection']),
    ...segmentSeconds(entry['segmentDurationSeconds']),
  };
}

function segmentSeconds(value: unknown): { segmentSeconds?: number } {
  if (value === undefined) return {};
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 60) throw fault('segmentDurationSeconds must be a number of seconds in (0, 60]');
  return { segmentSeconds: value };
}
