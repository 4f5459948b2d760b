import { isAbsolute, resolve } from 'node:path';
import { parseId, ProblemError } from '@cascade/common';
import { LIVE_LADDER_NAMES, type LiveLadderName } from './live-ladder.ts';

export type ChannelInput =
  | { type: 'synthetic' }
  | { type: 'file'; path: string }
  | { type: 'network'; url: string };

/** A channel as an operator asks for it (POST /api/v1/channels), checked and with defaults filled in. */
export interface ChannelSpec {
  id: string;
  name: string;
  input: ChannelInput;
  ladder: LiveLadderName;
  segmentSeconds: number;
  /** LL-HLS part (CMAF chunk) length. */
  partSeconds: number;
  /** How far back a viewer may seek (start-over, catch-up); also how long segments are kept. */
  dvrWindowSeconds: number;
  /** LL-HLS (parts, preload hints, blocking reload); false: standard latency, delta updates only. Absent in specs stored before it: true. */
  lowLatency: boolean;
}

export interface ChannelSpecPolicy {
  /** Network protocols this ffmpeg build can read (from `ffmpeg -protocols`). */
  protocols: ReadonlySet<string>;
  defaults: { ladder: LiveLadderName; segmentSeconds: number; dvrWindowSeconds: number; lowLatency: boolean };
}

/** Schemes a network input may use; anything else (file:, http:, concat:, …) is refused. */
export const NETWORK_SCHEMES = ['srt', 'rtmp', 'udp'] as const;

const FIELDS = new Set(['id', 'name', 'input', 'ladder', 'segmentSeconds', 'partSeconds', 'dvrWindowSeconds', 'lowLatency']);

function bad(field: string, expected: string, received: unknown): ProblemError {
  const shown = typeof received === 'string' ? JSON.stringify(received.slice(0, 200)) : JSON.stringify(received) ?? String(received);
  return new ProblemError('bad-request', `${field}: expected ${expected}, received ${shown?.slice(0, 200)}`);
}

function number(body: Record<string, unknown>, field: string, fallback: number, min: number, max: number): number {
  const value = body[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw bad(field, `a number in ${min}..${max}`, value);
  return value;
}

function networkUrl(raw: unknown, protocols: ReadonlySet<string>): string {
  if (typeof raw !== 'string' || raw.length > 1024) throw bad('input.url', 'an srt://, rtmp:// or udp:// URL', raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('input.url', 'an srt://, rtmp:// or udp:// URL', raw);
  }
  const scheme = url.protocol.slice(0, -1);
  if (!(NETWORK_SCHEMES as readonly string[]).includes(scheme)) throw bad('input.url', `a URL with scheme ${NETWORK_SCHEMES.join(', ')}`, raw);
  if (!protocols.has(scheme)) throw new ProblemError('live-input-unsupported', `input.url: this origin's ffmpeg cannot read ${scheme}:// (protocols: ${[...protocols].filter((p) => (NETWORK_SCHEMES as readonly string[]).includes(p)).join(', ')})`);
  if (url.hostname === '' || url.port === '') throw bad('input.url', 'a host and a port', raw);
  // ffmpeg reads options from the URL's query and treats some characters specially; only plain ones pass.
  if (!/^[A-Za-z0-9:/._\-[\]?=&%]+$/.test(raw)) throw bad('input.url', 'a URL of letters, digits and :/._-[]?=&%', raw);
  return raw;
}

/** The form only; where the file really is (inside ORIGIN_INGEST_DIRS) is checked on the file system by the manager. */
function filePath(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '' || raw.includes('\0') || raw.length > 1024 || !isAbsolute(raw)) throw bad('input.path', 'an absolute file path', raw);
  return resolve(raw);
}

function input(raw: unknown, policy: ChannelSpecPolicy): ChannelInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('input', 'an object with a type', raw);
  const value = raw as Record<string, unknown>;
  switch (value['type']) {
    case 'synthetic':
      return { type: 'synthetic' };
    case 'file':
      return { type: 'file', path: filePath(value['path']) };
    case 'network':
      return { type: 'network', url: networkUrl(value['url'], policy.protocols) };
    default:
      throw bad('input.type', '"synthetic", "file" or "network"', value['type']);
  }
}

/** Check a POST /api/v1/channels body field by field; every refusal names the field. */
export function parseChannelSpec(body: unknown, policy: ChannelSpecPolicy): ChannelSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('body', 'a JSON object', body);
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!FIELDS.has(key)) throw bad(key, `one of the fields ${[...FIELDS].join(', ')}`, key);
  if (typeof fields['id'] !== 'string') throw bad('id', 'a channel id', fields['id']);
  const id = parseId(fields['id'], 'channel id');
  const name = fields['name'] ?? id;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw bad('name', 'a string of 1..200 characters', name);
  const ladder = fields['ladder'] ?? policy.defaults.ladder;
  if (!(LIVE_LADDER_NAMES as readonly unknown[]).includes(ladder)) throw bad('ladder', LIVE_LADDER_NAMES.join(' or '), ladder);
  const segmentSeconds = number(fields, 'segmentSeconds', policy.defaults.segmentSeconds, 1, 10);
  if (!Number.isInteger(segmentSeconds)) throw bad('segmentSeconds', 'a whole number of seconds', segmentSeconds);
  const partSeconds = number(fields, 'partSeconds', Math.min(0.5, segmentSeconds), 0.2, segmentSeconds);
  const dvrWindowSeconds = number(fields, 'dvrWindowSeconds', policy.defaults.dvrWindowSeconds, segmentSeconds * 3, 24 * 3600);
  const lowLatency = fields['lowLatency'] ?? policy.defaults.lowLatency;
  if (typeof lowLatency !== 'boolean') throw bad('lowLatency', 'true or false', lowLatency);
  return { id, name, input: input(fields['input'], policy), ladder: ladder as LiveLadderName, segmentSeconds, partSeconds, dvrWindowSeconds, lowLatency };
}
