/**
 * The delivery directives a live media-playlist reload of a session with live ads sends upstream, from the
 * player's canonical ones (`hlsDeliveryQuery`).
 *
 * - `_HLS_skip` goes: such a session always gets the whole playlist. In a delta update the discontinuities
 *   the ads put among the skipped segments go uncounted, and players then see the listed segments'
 *   discontinuity numbers jump back (hls.js: "discontinuity sequence mismatch").
 * - `_HLS_msn=M` without `_HLS_part` waits for part 0 of M, not for the whole of M. Inside a break the
 *   session's playlist runs a segment ahead of the channel: each ad slot is published whole as soon as the
 *   segment it replaces is in progress (`replaceLiveBreaks`, `inProgress: 'slot'`), so the playlist ends on
 *   a whole segment and an LL-HLS player asks for the next one by number alone. Held upstream until
 *   channel segment M is complete, that reload brings the next slot (or the return's first parts) a whole
 *   segment late, and Shaka ran dry at the early return (0.9-1.7 s stalls). In the channel's timeline the
 *   player's "M" is "M has begun". Outside breaks an LL-HLS playlist ends on parts, so players ask with
 *   `_HLS_part` and nothing changes.
 */
export function liveAdsUpstreamQuery(directives: string): string {
  const params = new URLSearchParams(directives);
  params.delete('_HLS_skip');
  if (params.has('_HLS_msn') && !params.has('_HLS_part')) params.set('_HLS_part', '0');
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}
