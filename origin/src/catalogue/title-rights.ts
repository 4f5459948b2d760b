import { ProblemError } from '@cascade/common';

/**
 * Who may watch a title, where and when: the contract between the origin's catalogue and the edge
 * (README "Catalogue rights"). Countries are ISO 3166-1 alpha-2 in upper case; times are ISO 8601.
 */
export interface TitleRights {
  /** `allow: null` means everywhere that is not denied. */
  countries: { allow: string[] | null; deny: string[] };
  /**
   * Availability windows; `[]` means always available. A window with `regions` governs those
   * countries; a window with `regions: null` is the default for every other country.
   */
  windows: { start: string | null; end: string | null; regions: string[] | null }[];
  /** Live channels only: periods in which the listed countries get the blackout slate. */
  blackouts: { start: string; end: string; regions: string[] }[];
}

export const PLANS = ['basic', 'standard', 'premium'] as const;
export type Plan = (typeof PLANS)[number];

/** The mutable part of a catalogue entry, stored apart from the immutable media record. */
export interface TitleEntitlements {
  rights: TitleRights;
  /** Packages (bundles) the title belongs to; a viewer token restricted to packages must name one. */
  packages: string[];
  /** Plans whose viewers may watch; all plans when absent from the stored document. */
  plans: Plan[];
}

/** Titles without a stored rights document: everywhere, always, every plan, no package. */
export const PERMISSIVE_ENTITLEMENTS: TitleEntitlements = {
  rights: { countries: { allow: null, deny: [] }, windows: [], blackouts: [] },
  packages: [],
  plans: [...PLANS],
};

const COUNTRY = /^[A-Z]{2}$/;
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// ISO 8601 date-time with an explicit offset, so no reader has to guess a time zone.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_LIST = 300;

function bad(field: string, expected: string, received: unknown): ProblemError {
  let shown: string;
  try {
    shown = JSON.stringify(received) ?? String(received);
  } catch {
    shown = String(received);
  }
  return new ProblemError('bad-request', `${field}: expected ${expected}, received ${shown.slice(0, 80)}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, field: string, allowed: string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw bad(`${field}.${key}`, `no such field (allowed: ${allowed.join(', ')})`, value[key]);
  }
}

function list<T>(value: unknown, field: string, item: (v: unknown, f: string) => T, max = MAX_LIST): T[] {
  if (!Array.isArray(value)) throw bad(field, 'an array', value);
  if (value.length > max) throw bad(field, `at most ${max} entries`, `${value.length} entries`);
  return value.map((v, i) => item(v, `${field}[${i}]`));
}

function country(value: unknown, field: string): string {
  if (typeof value !== 'string' || !COUNTRY.test(value)) throw bad(field, 'an ISO 3166-1 alpha-2 code in upper case', value);
  return value;
}

function dateTime(value: unknown, field: string): string {
  if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw bad(field, 'an ISO 8601 date-time with a time zone (2026-01-31T20:00:00Z)', value);
  }
  return value;
}

function optionalDateTime(value: unknown, field: string): string | null {
  return value === null ? null : dateTime(value, field);
}

function ordered(start: string | null, end: string | null, field: string): void {
  if (start !== null && end !== null && Date.parse(start) >= Date.parse(end)) throw bad(`${field}.end`, `a time after start ${start}`, end);
}

function parseRights(value: unknown, field: string): TitleRights {
  if (!isObject(value)) throw bad(field, 'an object', value);
  onlyKeys(value, field, ['countries', 'windows', 'blackouts']);

  const countries = value['countries'];
  if (!isObject(countries)) throw bad(`${field}.countries`, 'an object { allow, deny }', countries);
  onlyKeys(countries, `${field}.countries`, ['allow', 'deny']);
  const allow = countries['allow'] === null ? null : list(countries['allow'], `${field}.countries.allow`, country);
  const deny = list(countries['deny'], `${field}.countries.deny`, country);

  const windows = list(value['windows'], `${field}.windows`, (w, f) => {
    if (!isObject(w)) throw bad(f, 'an object { start, end, regions }', w);
    onlyKeys(w, f, ['start', 'end', 'regions']);
    const start = optionalDateTime(w['start'], `${f}.start`);
    const end = optionalDateTime(w['end'], `${f}.end`);
    ordered(start, end, f);
    const regions = w['regions'] === null ? null : list(w['regions'], `${f}.regions`, country);
    if (regions !== null && regions.length === 0) throw bad(`${f}.regions`, 'null (every other country) or at least one country', regions);
    return { start, end, regions };
  });
  if (windows.filter((w) => w.regions === null).length > 1) throw bad(`${field}.windows`, 'at most one default window (regions: null)', 'several');

  const blackouts = list(value['blackouts'], `${field}.blackouts`, (b, f) => {
    if (!isObject(b)) throw bad(f, 'an object { start, end, regions }', b);
    onlyKeys(b, f, ['start', 'end', 'regions']);
    const start = dateTime(b['start'], `${f}.start`);
    const end = dateTime(b['end'], `${f}.end`);
    ordered(start, end, f);
    const regions = list(b['regions'], `${f}.regions`, country);
    if (regions.length === 0) throw bad(`${f}.regions`, 'at least one country', regions);
    return { start, end, regions };
  });
  return { countries: { allow, deny }, windows, blackouts };
}

/**
 * Validate a `PUT /api/v1/titles/{id}/rights` body strictly: unknown fields, wrong types, lower-case
 * countries, times without a zone, windows that end before they start are all 400 bad-request naming
 * the field. `packages` and `plans` are optional and default to none and every plan.
 */
export function parseTitleEntitlements(body: unknown, kind: 'vod' | 'live'): TitleEntitlements {
  if (!isObject(body)) throw bad('body', 'a JSON object { rights, packages?, plans? }', body);
  onlyKeys(body, 'body', ['rights', 'packages', 'plans']);
  const rights = parseRights(body['rights'], 'rights');
  if (kind !== 'live' && rights.blackouts.length > 0) throw bad('rights.blackouts', '[] for a VOD title (blackouts are for live channels)', `${rights.blackouts.length} entries`);
  const packages = body['packages'] === undefined ? [] : list(body['packages'], 'packages', (p, f) => {
    if (typeof p !== 'string' || !PACKAGE.test(p)) throw bad(f, 'a package id ([A-Za-z0-9._-], 1..64 characters)', p);
    return p;
  });
  const plans = body['plans'] === undefined ? [...PLANS] : list(body['plans'], 'plans', (p, f) => {
    if (typeof p !== 'string' || !(PLANS as readonly string[]).includes(p)) throw bad(f, `one of ${PLANS.join(', ')}`, p);
    return p as Plan;
  });
  if (plans.length === 0) throw bad('plans', 'at least one plan (omit it for every plan)', plans);
  return { rights, packages, plans };
}
