import { log } from '../http/log.ts';
import { decidePathways, qualityFactor } from './decide-pathways.ts';
import type { Pathway, SteeringConfig } from './pathway.ts';
import { emptySteeringState, pathwayViews, type SteeringState } from './steering-state.ts';
import { RefreshClaims } from '../isolate/refresh-claims.ts';

export interface SteeringServiceOptions {
  config: SteeringConfig;
  /** Reads the control plane's state (an RPC to the SteeringControl Durable Object). */
  read: () => Promise<SteeringState>;
  now?: () => number;
}

export interface SessionDecision {
  priority: string[];
  state: SteeringState;
}

/**
 * The per-isolate view of steering: the control plane's state, reused for `cacheSeconds` (at most the
 * steering TTL, so a change reaches every player within one TTL), and the decision for a session. If the
 * control plane cannot be read, the last state keeps deciding, or the configuration alone: steering never
 * takes playback down.
 */
export class SteeringService {
  readonly config: SteeringConfig;
  readonly #read: () => Promise<SteeringState>;
  readonly #now: () => number;
  #held: { state: SteeringState; readAt: number } | undefined;
  /** One request of the isolate re-reads the state at a time (refresh-claims.ts). */
  readonly #refresh = new RefreshClaims<'state'>(5_000);

  constructor(options: SteeringServiceOptions) {
    this.config = options.config;
    this.#read = options.read;
    this.#now = options.now ?? Date.now;
  }

  /** The pathway that is this edge (`baseUrl: self`), if one is configured. */
  get selfPathwayId(): string | undefined {
    return this.config.pathways.find((p) => p.baseUrl === 'self')?.id;
  }

  pathway(id: string): Pathway | undefined {
    return this.config.pathways.find((p) => p.id === id);
  }

  invalidate(): void {
    this.#held = undefined;
  }

  async state(): Promise<SteeringState> {
    const held = this.#held;
    const now = this.#now();
    if (held && now - held.readAt < this.config.cacheSeconds * 1000) return held.state;
    // One read per isolate; the others wait for it on their own timers, never on its promise
    // (refresh-claims.ts), and decide from what it left.
    const read = await this.#refresh.once('state', this.#now, 5_000, () => this.#load(held));
    if (read) return read.value;
    const after = this.#held;
    return after !== undefined && after !== held ? after.state : this.#load(held);
  }

  async #load(previous: { state: SteeringState; readAt: number } | undefined): Promise<SteeringState> {
    const readAt = this.#now();
    try {
      const state = await this.#read();
      this.#held = { state, readAt };
      return state;
    } catch (error) {
      log('warn', 'steering control plane unreadable; deciding from the last known state', { cause: String(error) });
      // Held like a successful read, so a failing control plane is retried once per interval, not per request.
      const state = previous?.state ?? emptySteeringState();
      this.#held = { state, readAt };
      return state;
    }
  }

  /** The ordered pathway list for a session (see decidePathways). */
  async decide(sessionId: string, country: string | undefined, current?: string): Promise<SessionDecision> {
    const state = await this.state();
    const region = country ?? '--';
    const quality = new Map(this.config.pathways.map((p) => [p.id, qualityFactor(state.qoe[`${p.id}|${region}`])]));
    const priority = decidePathways({
      pathways: pathwayViews(this.config, state),
      country,
      preference: country === undefined ? undefined : state.regions[country],
      sessionId,
      current,
      quality,
    });
    return { priority, state };
  }
}
