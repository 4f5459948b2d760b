import { fromCmcdHeaders, fromCmcdQuery } from '@svta/cml-cmcd';
import { log } from '../http/log.ts';
import type { QoeReport } from './qoe-aggregator.ts';

const CMCD_HEADERS = ['cmcd-request', 'cmcd-object', 'cmcd-status', 'cmcd-session'];
const MAX_CMCD_BYTES = 4096;

/** A CMCD v1 number or the first entry of a v2 per-object-type list. */
function firstNumber(value: unknown): number | undefined {
  const v = Array.isArray(value) ? (value[0] as unknown) : value;
  const n = typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** True when the request carries CMCD (CTA-5004) in the query (`CMCD=`) or in the CMCD-* headers. */
export function hasCmcd(request: Request, url: URL): boolean {
  return url.searchParams.has('CMCD') || CMCD_HEADERS.some((h) => request.headers.has(h));
}

/**
 * What a player's CMCD says about its experience, decoded with the SVTA Common Media Library
 * (@svta/cml-cmcd): `bs` (buffer starved: rebuffering), `mtp` (measured throughput, kbit/s), and the v2
 * error event. Malformed CMCD is ignored (logged), never an error for the media request carrying it.
 */
export function cmcdReport(request: Request, url: URL): Pick<QoeReport, 'throughputKbps' | 'rebuffering' | 'error'> | undefined {
  try {
    const query = url.searchParams.get('CMCD');
    let data: Record<string, unknown>;
    if (query !== null) {
      if (query.length > MAX_CMCD_BYTES) return undefined;
      data = fromCmcdQuery(new URLSearchParams({ CMCD: query })) as Record<string, unknown>;
    } else {
      const headers: Record<string, string> = {};
      for (const name of CMCD_HEADERS) {
        const value = request.headers.get(name);
        if (value !== null && value.length <= MAX_CMCD_BYTES) headers[name] = value;
      }
      data = fromCmcdHeaders(headers) as Record<string, unknown>;
    }
    return { throughputKbps: firstNumber(data['mtp']), rebuffering: data['bs'] === true, error: data['e'] === 'e' };
  } catch (error) {
    log('warn', 'CMCD not decodable; ignored', { cause: String(error) });
    return undefined;
  }
}
