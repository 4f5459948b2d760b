import { ProblemError } from '@cascade/common';

const DECIMAL = /^[0-9]{1,15}$/;

/**
 * The LL-HLS delivery directives of a live media-playlist reload (`_HLS_msn`, `_HLS_part`,
 * `_HLS_skip`, RFC 8216bis 6.2.5) as the canonical query the edge forwards to the shield, which keys
 * and forwards exactly these; every other parameter stays behind. `''` when there are none.
 * Malformed ones are refused here (400 bad-hls-directive) rather than passed on.
 */
export function hlsDeliveryQuery(search: URLSearchParams): string {
  const one = (name: string) => {
    const all = search.getAll(name);
    if (all.length > 1) throw new ProblemError('bad-hls-directive', `${name} appears more than once`);
    return all[0];
  };
  const msn = one('_HLS_msn');
  const part = one('_HLS_part');
  const skip = one('_HLS_skip');
  const out: string[] = [];
  if (msn !== undefined) {
    if (!DECIMAL.test(msn)) throw new ProblemError('bad-hls-directive', `_HLS_msn must be a non-negative decimal integer, got ${JSON.stringify(msn.slice(0, 32))}`);
    out.push(`_HLS_msn=${Number(msn)}`);
  }
  if (part !== undefined) {
    if (msn === undefined) throw new ProblemError('bad-hls-directive', '_HLS_part is only allowed together with _HLS_msn');
    if (!DECIMAL.test(part)) throw new ProblemError('bad-hls-directive', `_HLS_part must be a non-negative decimal integer, got ${JSON.stringify(part.slice(0, 32))}`);
    out.push(`_HLS_part=${Number(part)}`);
  }
  if (skip !== undefined) {
    if (skip !== 'YES' && skip !== 'v2') throw new ProblemError('bad-hls-directive', `_HLS_skip must be YES or v2, got ${JSON.stringify(skip.slice(0, 32))}`);
    out.push(`_HLS_skip=${skip}`);
  }
  return out.length === 0 ? '' : `?${out.join('&')}`;
}
