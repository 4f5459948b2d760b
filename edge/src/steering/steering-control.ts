import { DurableObject } from 'cloudflare:workers';
import { checkSteeringChange, emptySteeringState, type AuditEntry, type PathwayHealth, type PathwayQoe, type SteeringChange, type SteeringState } from './steering-state.ts';

export interface ProbeResult {
  pathway: string;
  ok: boolean;
  detail: string;
}

/** One isolate's QoE sums since its last flush, keyed `${pathway}|${country}`. */
export interface QoeBatch {
  [key: string]: { reports: number; sessions: number; throughputKbpsSum: number; throughputReports: number; rebuffers: number; errors: number; startupMsSum: number; startupReports: number };
}

const MAX_AUDIT = 1000;
/**
 * Player error reports (CMCD error events on segments through the edge and on steering reloads) judge a
 * pathway per flushed batch: at least PLAYER_MIN_REPORTS reports, of which PLAYER_FAILING_RATIO or more are
 * errors, is a failing batch; under PLAYER_HEALTHY_RATIO a healthy one; in between counts as neither, so a
 * pathway near the line does not flap.
 */
const PLAYER_MIN_REPORTS = 5;
const PLAYER_FAILING_RATIO = 0.5;
const PLAYER_HEALTHY_RATIO = 0.1;
// QoE reflects the last few minutes: older aggregates decay towards the new reports.
const QOE_HALF_LIFE_MS = 120_000;

type AuditRow = { id: number; at: number; actor: string; action: string; target: string; before_json: string; after_json: string };

/**
 * The steering control plane: operator overrides (weights, drain, region preference, surge cap), pathway
 * health and QoE aggregates in one small state object, plus the audit log of every change. One global
 * instance (`idFromName('global')`); isolates read `state()` at most every STEERING cache interval, so a
 * change reaches every session within one steering TTL.
 */
export class SteeringControl extends DurableObject {
  #state: SteeringState;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
      target TEXT NOT NULL, before_json TEXT NOT NULL, after_json TEXT NOT NULL)`);
    const row = ctx.storage.sql.exec<{ v: string }>("SELECT v FROM state WHERE k = 'state'").toArray()[0];
    this.#state = row === undefined ? emptySteeringState() : { ...emptySteeringState(), ...(JSON.parse(row.v) as SteeringState) };
  }

  state(): SteeringState {
    return this.#state;
  }

  /** Applies a validated operator change and records it; answers the audit entry. */
  change(actor: string, change: SteeringChange, pathwayIds: string[]): AuditEntry {
    checkSteeringChange(change, pathwayIds);
    const state = this.#state;
    let target: string;
    let before: unknown;
    let after: unknown;
    switch (change.kind) {
      case 'weight': {
        target = change.pathway;
        const control = (state.pathways[target] ??= { weight: null, state: null });
        before = control.weight;
        control.weight = after = change.weight;
        break;
      }
      case 'state': {
        target = change.pathway;
        const control = (state.pathways[target] ??= { weight: null, state: null });
        before = control.state;
        control.state = after = change.state;
        break;
      }
      case 'region':
        target = change.country;
        before = state.regions[target] ?? null;
        if (change.pathways === null) delete state.regions[target];
        else state.regions[target] = change.pathways;
        after = change.pathways;
        break;
      case 'surge':
        target = 'all';
        before = state.surgeCapBps;
        state.surgeCapBps = after = change.capBps;
        break;
    }
    this.#save();
    return this.#audit(actor, change.kind, target, before, after);
  }

  audit(limit: number): AuditEntry[] {
    const rows = this.ctx.storage.sql.exec<AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ?', Math.max(1, Math.min(limit, MAX_AUDIT))).toArray();
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, target: r.target, before: JSON.parse(r.before_json) as unknown, after: JSON.parse(r.after_json) as unknown }));
  }

  /**
   * Health with hysteresis: `failures` consecutive failed probes (or player error reports) take a pathway
   * out (drained automatically), `recoveries` consecutive good ones bring it back. Each flip is audited.
   */
  recordProbes(results: ProbeResult[], failures: number, recoveries: number): Record<string, PathwayHealth> {
    const now = Date.now();
    for (const result of results) {
      const health = (this.#state.health[result.pathway] ??= { up: true, failures: 0, successes: 0, checkedAt: null, detail: '' });
      health.checkedAt = now;
      health.detail = result.detail.slice(0, 200);
      if (result.ok) {
        health.successes++;
        health.failures = 0;
        if (!health.up && health.successes >= recoveries) {
          health.up = true;
          this.#audit('health-probe', 'health', result.pathway, 'down', 'up');
        }
      } else {
        health.failures++;
        health.successes = 0;
        if (health.up && health.failures >= failures) {
          health.up = false;
          this.#audit('health-probe', 'health', result.pathway, 'up', 'down');
        }
      }
    }
    this.#save();
    return this.#state.health;
  }

  /**
   * Folds one isolate's QoE sums into the per pathway and country aggregates (exponential decay), and judges
   * each pathway's health from its players' error reports with the same hysteresis as the probes:
   * `failures` consecutive failing batches drain it (audited as actor `player-reports`), `recoveries`
   * consecutive healthy batches, or `recoveries` consecutive good probes, bring it back.
   */
  recordQoe(batch: QoeBatch, failures = 2, recoveries = 3): void {
    const now = Date.now();
    this.#judgePlayers(batch, failures, recoveries, now);
    for (const [key, sums] of Object.entries(batch)) {
      if (!/^[A-Za-z0-9._~-]{1,32}\|([A-Z]{2}|--)$/.test(key) || sums.reports <= 0) continue;
      const old: PathwayQoe | undefined = this.#state.qoe[key];
      const fresh: PathwayQoe = {
        sessions: sums.sessions,
        throughputKbps: sums.throughputReports > 0 ? sums.throughputKbpsSum / sums.throughputReports : 0,
        rebufferRatio: sums.rebuffers / sums.reports,
        errorRatio: sums.errors / sums.reports,
        startupMs: sums.startupReports > 0 ? sums.startupMsSum / sums.startupReports : 0,
        updatedAt: now,
      };
      if (old === undefined) {
        this.#state.qoe[key] = fresh;
        continue;
      }
      const keep = Math.pow(0.5, (now - old.updatedAt) / QOE_HALF_LIFE_MS);
      const mix = (a: number, b: number, hasB: boolean) => (hasB ? a * keep + b * (1 - keep) : a);
      this.#state.qoe[key] = {
        sessions: Math.round(old.sessions * keep + fresh.sessions),
        throughputKbps: mix(old.throughputKbps, fresh.throughputKbps, sums.throughputReports > 0),
        rebufferRatio: mix(old.rebufferRatio, fresh.rebufferRatio, true),
        errorRatio: mix(old.errorRatio, fresh.errorRatio, true),
        startupMs: mix(old.startupMs, fresh.startupMs, sums.startupReports > 0),
        updatedAt: now,
      };
    }
    this.#save();
  }

  #judgePlayers(batch: QoeBatch, failures: number, recoveries: number, now: number): void {
    const totals = new Map<string, { reports: number; errors: number }>();
    for (const [key, sums] of Object.entries(batch)) {
      if (!/^[A-Za-z0-9._~-]{1,32}\|([A-Z]{2}|--)$/.test(key) || !(sums.reports > 0) || !(sums.errors >= 0)) continue;
      const pathway = key.slice(0, key.indexOf('|'));
      const total = totals.get(pathway) ?? { reports: 0, errors: 0 };
      total.reports += sums.reports;
      total.errors += Math.min(sums.errors, sums.reports);
      totals.set(pathway, total);
    }
    for (const [pathway, { reports, errors }] of totals) {
      if (reports < PLAYER_MIN_REPORTS) continue;
      const ratio = errors / reports;
      const health = (this.#state.health[pathway] ??= { up: true, failures: 0, successes: 0, checkedAt: null, detail: '' });
      const detail = `players: ${errors} of ${reports} reports were errors`;
      if (ratio >= PLAYER_FAILING_RATIO) {
        health.playerFailures = (health.playerFailures ?? 0) + 1;
        health.playerSuccesses = 0;
        if (health.up && health.playerFailures >= failures) {
          health.up = false;
          // Good probes must start counting again from here.
          health.successes = 0;
          health.checkedAt = now;
          health.detail = detail;
          this.#audit('player-reports', 'health', pathway, 'up', 'down');
        }
      } else if (ratio < PLAYER_HEALTHY_RATIO) {
        health.playerSuccesses = (health.playerSuccesses ?? 0) + 1;
        health.playerFailures = 0;
        if (!health.up && health.playerSuccesses >= recoveries) {
          health.up = true;
          health.failures = 0;
          health.checkedAt = now;
          health.detail = detail;
          this.#audit('player-reports', 'health', pathway, 'down', 'up');
        }
      }
    }
  }

  #save(): void {
    this.#state.version++;
    this.#state.updatedAt = Date.now();
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO state (k, v) VALUES ('state', ?)", JSON.stringify(this.#state));
  }

  #audit(actor: string, action: string, target: string, before: unknown, after: unknown): AuditEntry {
    const at = Date.now();
    const row = this.ctx.storage.sql
      .exec<{ id: number }>('INSERT INTO audit (at, actor, action, target, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?) RETURNING id', at, actor.slice(0, 256), action, target, JSON.stringify(before ?? null), JSON.stringify(after ?? null))
      .one();
    this.ctx.storage.sql.exec('DELETE FROM audit WHERE id <= ?', row.id - MAX_AUDIT * 10);
    return { id: row.id, at, actor, action, target, before: before ?? null, after: after ?? null };
  }
}
