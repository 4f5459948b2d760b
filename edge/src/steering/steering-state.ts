import { COUNTRY, PATHWAY_ID, PATHWAY_STATES, type Pathway, type PathwayState, type SteeringConfig } from './pathway.ts';

/** Operator overrides of one pathway; null: as configured. */
export interface PathwayControl {
  weight: number | null;
  state: PathwayState | null;
}

/** What the health probes (and player error reports) last saw; `up: false` drains the pathway automatically. */
export interface PathwayHealth {
  up: boolean;
  /** Consecutive failed / good probes, for the drain and restore hysteresis. */
  failures: number;
  successes: number;
  checkedAt: number | null;
  detail: string;
  /** Consecutive failing / healthy batches of player reports (README "Health"); absent before the first. */
  playerFailures?: number;
  playerSuccesses?: number;
}

/** Aggregated player experience of one pathway in one country over the current window (from CMCD and steering reloads). */
export interface PathwayQoe {
  sessions: number;
  /** Mean measured throughput (kbit/s) reported by players, 0 when none. */
  throughputKbps: number;
  /** Share of reports that said the player was rebuffering (CMCD bs) or had an error. */
  rebufferRatio: number;
  errorRatio: number;
  /** Mean startup delay (ms, CMCD su/dl on the first objects), 0 when none. */
  startupMs: number;
  updatedAt: number;
}

/** The control plane's state: one small object, read by every isolate at most every cacheSeconds. */
export interface SteeringState {
  version: number;
  pathways: Record<string, PathwayControl>;
  health: Record<string, PathwayHealth>;
  /** Country → pathway ids in order of preference (operator). */
  regions: Record<string, string[]>;
  /** Operator bitrate ceiling (bit/s) for manifests; null: the configured SURGE_CAP_BPS. */
  surgeCapBps: number | null;
  /** `${pathway}|${country or '--'}` → QoE aggregate. */
  qoe: Record<string, PathwayQoe>;
  updatedAt: number;
}

export function emptySteeringState(): SteeringState {
  return { version: 0, pathways: {}, health: {}, regions: {}, surgeCapBps: null, qoe: {}, updatedAt: 0 };
}

/** One pathway as decisions see it: configuration with the operator's overrides and live health applied. */
export interface PathwayView {
  id: string;
  weight: number;
  regions: readonly string[];
  cost: number;
  state: PathwayState;
  healthy: boolean;
}

export function pathwayViews(config: SteeringConfig, state: SteeringState): PathwayView[] {
  return config.pathways.map((p: Pathway) => ({
    id: p.id,
    weight: state.pathways[p.id]?.weight ?? p.weight,
    regions: p.regions,
    cost: p.cost,
    state: state.pathways[p.id]?.state ?? p.state,
    healthy: state.health[p.id]?.up ?? true,
  }));
}

/** An operator's change, validated at the HTTP boundary before the control plane applies it. */
export type SteeringChange =
  | { kind: 'weight'; pathway: string; weight: number }
  | { kind: 'state'; pathway: string; state: PathwayState }
  | { kind: 'region'; country: string; pathways: string[] | null }
  | { kind: 'surge'; capBps: number | null };

export interface AuditEntry {
  id: number;
  /** Epoch milliseconds. */
  at: number;
  /** Operator subject (JWT sub), or `health-probe` for automatic drains and restores. */
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

/** Throws a RangeError naming the field; `pathwayIds` are the configured ones. */
export function checkSteeringChange(change: SteeringChange, pathwayIds: readonly string[]): void {
  const knownPathway = (id: unknown, field: string) => {
    if (typeof id !== 'string' || !PATHWAY_ID.test(id) || !pathwayIds.includes(id)) {
      throw new RangeError(`${field}: expected one of the configured pathways ${pathwayIds.join(', ')}, received ${JSON.stringify(id)?.slice(0, 80)}`);
    }
  };
  switch (change.kind) {
    case 'weight':
      knownPathway(change.pathway, 'pathway');
      if (!Number.isInteger(change.weight) || change.weight < 0 || change.weight > 1000) throw new RangeError(`weight: expected an integer in 0..1000, received ${JSON.stringify(change.weight)}`);
      return;
    case 'state':
      knownPathway(change.pathway, 'pathway');
      if (!(PATHWAY_STATES as readonly unknown[]).includes(change.state)) throw new RangeError(`state: expected ${PATHWAY_STATES.join(', ')}, received ${JSON.stringify(change.state)}`);
      return;
    case 'region':
      if (typeof change.country !== 'string' || !COUNTRY.test(change.country)) throw new RangeError(`country: expected an ISO 3166 alpha-2 code, received ${JSON.stringify(change.country)?.slice(0, 80)}`);
      if (change.pathways !== null) {
        if (!Array.isArray(change.pathways) || change.pathways.length === 0 || change.pathways.length > 16) throw new RangeError('pathways: expected a list of 1..16 pathway ids, or null to clear');
        change.pathways.forEach((id, i) => knownPathway(id, `pathways[${i}]`));
        if (new Set(change.pathways).size !== change.pathways.length) throw new RangeError('pathways: expected distinct pathway ids');
      }
      return;
    case 'surge':
      if (change.capBps !== null && (!Number.isSafeInteger(change.capBps) || change.capBps < 10_000 || change.capBps > 1_000_000_000)) {
        throw new RangeError(`capBps: expected an integer in 10000..1000000000 (bit/s) or null, received ${JSON.stringify(change.capBps)}`);
      }
      return;
    default:
      throw new RangeError(`kind: expected weight, state, region or surge, received ${JSON.stringify((change as { kind: unknown }).kind)}`);
  }
}
