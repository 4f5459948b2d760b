/**
 * Lease renewals per viewer-second that media-playlist reloads cause under the edge's reuse rule
 * (README "Stream limits"): a reload renews when the session's last renewal, by a reload or an explicit
 * heartbeat, is at least `reuseSeconds` old; the audio and video reloads of one viewer arrive together,
 * so they count once. Heartbeats renew too (they are counted on their own), which is why a closed form
 * (`1 / (ceil(reuse / reload) × reload)`) over-counted by 20–30 % against the edge's own rule replayed
 * on the surge bench's requests.
 *
 * Simulated over a long deterministic run: reloads every `reloadSeconds` with the viewer model's
 * ±`jitter` (k6/src/viewer/run-viewer.ts, reloadJitter), heartbeats every `heartbeatSeconds` (0: none)
 * at phases spread over the reload grid. A reuse window that is a whole number of reloads is where
 * jitter matters most: about half of those reloads come just early and are reused.
 */
const memo = new Map<string, number>();

export function reloadRenewalRate(reloadSeconds: number, reuseSeconds: number, heartbeatSeconds: number, jitter = 0.1): number {
  const key = `${reloadSeconds} ${reuseSeconds} ${heartbeatSeconds} ${jitter}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  if (!(reloadSeconds > 0)) throw new RangeError(`reloadSeconds: expected seconds > 0, received ${reloadSeconds}`);
  if (!(reuseSeconds > 0)) throw new RangeError(`reuseSeconds: expected seconds > 0, received ${reuseSeconds}`);
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter: expected a share in [0, 1), received ${jitter}`);
  let seed = 0x2545f491;
  const random = () => {
    // xorshift32: the same sequence on every run, so the plan is reproducible.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const phases = 16;
  const reloadsPerPhase = 2000;
  let renewals = 0;
  let span = 0;
  for (let phase = 0; phase < phases; phase++) {
    let t = 0;
    let last = Number.NEGATIVE_INFINITY;
    let nextHeartbeat = heartbeatSeconds > 0 ? (phase / phases) * heartbeatSeconds : Number.POSITIVE_INFINITY;
    for (let i = 0; i < reloadsPerPhase; i++) {
      while (nextHeartbeat <= t) {
        last = nextHeartbeat;
        nextHeartbeat += heartbeatSeconds;
      }
      if (t - last >= reuseSeconds) {
        last = t;
        renewals += 1;
      }
      t += reloadSeconds * (1 + jitter * (2 * random() - 1));
    }
    span += t;
  }
  const rate = renewals / span;
  memo.set(key, rate);
  return rate;
}
