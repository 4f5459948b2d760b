import type { PathwayView } from './steering-state.ts';

export interface DecisionInput {
  pathways: readonly PathwayView[];
  /** Viewer's country (platform geo, or x-dev-country in development); undefined when unknown. */
  country: string | undefined;
  /** The operator's preference for this country, in order. */
  preference?: readonly string[] | undefined;
  /** Play session id: the same session gets the same choice on every reload (rendezvous hashing). */
  sessionId: string;
  /** The pathway the player says it is on (_HLS_pathway / _DASH_pathway): kept first while it may be used. */
  current?: string | undefined;
  /** Pathway id → quality factor in (0, 1] from recent QoE in this country; 1 when absent. */
  quality?: ReadonlyMap<string, number>;
}

/** FNV-1a over the session and pathway ids, mapped into (0, 1). */
function unitHash(a: string, b: string): number {
  let h = 0x811c9dc5;
  const text = `${a}\u0000${b}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so ids differing in one character spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) + 0.5) / 4294967296;
}

/**
 * The ordered pathway list for one session (PATHWAY-PRIORITY), a pure function of its inputs:
 * 1. the operator's preference for the viewer's country (usable pathways only);
 * 2. the pathway the session is on, while it is usable, serves the country and has weight (sticky);
 * 3. usable pathways serving the country with weight, by weighted rendezvous hashing on the session id
 *    (weight × quality), so shares follow the weights and a weight change moves as few sessions as possible;
 * 4. usable weight-0 pathways serving the country, then usable pathways elsewhere, cheapest first;
 * 5. draining or unhealthy pathways, cheapest first, as a last resort only.
 * A `down` pathway is never listed. If nothing else is left, every pathway is listed rather than none.
 */
export function decidePathways(input: DecisionInput): string[] {
  const { pathways, country } = input;
  const usable = (p: PathwayView) => p.state === 'active' && p.healthy;
  const serves = (p: PathwayView) => p.regions.length === 0 || (country !== undefined && p.regions.includes(country));
  const byId = new Map(pathways.map((p) => [p.id, p]));
  const out: string[] = [];
  const add = (id: string) => {
    if (!out.includes(id)) out.push(id);
  };
  const byCost = (a: PathwayView, b: PathwayView) => a.cost - b.cost || (a.id < b.id ? -1 : 1);

  for (const id of input.preference ?? []) {
    const p = byId.get(id);
    if (p !== undefined && usable(p)) add(id);
  }
  const current = input.current === undefined ? undefined : byId.get(input.current);
  if (current !== undefined && usable(current) && serves(current) && current.weight > 0) add(current.id);

  const weighted = pathways.filter((p) => usable(p) && serves(p) && p.weight > 0);
  const scored = weighted.map((p) => {
    const quality = Math.min(1, Math.max(0.01, input.quality?.get(p.id) ?? 1));
    return { id: p.id, score: -Math.log(unitHash(input.sessionId, p.id)) / (p.weight * quality) };
  });
  scored.sort((a, b) => a.score - b.score);
  for (const s of scored) add(s.id);
  for (const p of pathways.filter((p) => usable(p) && serves(p) && p.weight === 0).sort(byCost)) add(p.id);
  for (const p of pathways.filter((p) => usable(p) && !serves(p)).sort(byCost)) add(p.id);
  for (const p of pathways.filter((p) => !usable(p) && p.state !== 'down').sort(byCost)) add(p.id);
  if (out.length === 0) for (const p of [...pathways].sort(byCost)) add(p.id);
  return out;
}

/** Quality factor from a QoE aggregate: rebuffering and errors cut a pathway's share, never below 0.1. */
export function qualityFactor(qoe: { sessions: number; rebufferRatio: number; errorRatio: number } | undefined): number {
  if (qoe === undefined || qoe.sessions < 3) return 1;
  return Math.max(0.1, 1 - 4 * qoe.rebufferRatio - 4 * qoe.errorRatio);
}
