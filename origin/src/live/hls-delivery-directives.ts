import { ProblemError } from '@cascade/common';

/** LL-HLS delivery directives of a media playlist request (RFC 8216bis 6.2.5). */
export interface HlsDeliveryDirectives {
  /** Hold the answer until this media sequence number (and part) exists. */
  msn?: number;
  part?: number;
  /** Delta update: skip the segments older than CAN-SKIP-UNTIL. */
  skip: boolean;
}

const DECIMAL = /^[0-9]{1,15}$/;

function bad(detail: string): ProblemError {
  return new ProblemError('bad-hls-directive', detail);
}

/** Read `_HLS_msn`, `_HLS_part`, `_HLS_skip` from a request's query; other parameters are ignored. */
export function parseHlsDeliveryDirectives(query: URLSearchParams): HlsDeliveryDirectives {
  const one = (name: string) => {
    const all = query.getAll(name);
    if (all.length > 1) throw bad(`${name} appears more than once`);
    return all[0];
  };
  const msn = one('_HLS_msn');
  const part = one('_HLS_part');
  const skip = one('_HLS_skip');
  const directives: HlsDeliveryDirectives = { skip: false };
  if (msn !== undefined) {
    if (!DECIMAL.test(msn)) throw bad(`_HLS_msn must be a non-negative decimal integer, got ${JSON.stringify(msn.slice(0, 32))}`);
    directives.msn = Number(msn);
  }
  if (part !== undefined) {
    if (msn === undefined) throw bad('_HLS_part is only allowed together with _HLS_msn');
    if (!DECIMAL.test(part)) throw bad(`_HLS_part must be a non-negative decimal integer, got ${JSON.stringify(part.slice(0, 32))}`);
    directives.part = Number(part);
  }
  if (skip !== undefined) {
    if (skip !== 'YES' && skip !== 'v2') throw bad(`_HLS_skip must be YES or v2, got ${JSON.stringify(skip.slice(0, 32))}`);
    directives.skip = true;
  }
  return directives;
}
