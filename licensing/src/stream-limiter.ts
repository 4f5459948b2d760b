import { DurableObject } from 'cloudflare:workers';
import { STREAM_POLICIES, type StreamPolicy } from './stream-policy.ts';

export interface Lease {
  sessionId: string;
  deviceId: string;
  titleId: string;
  acquiredAt: number;
  /** Last acquire or heartbeat (ms). */
  renewedAt: number;
  /** The lease counts until here (ms): renewedAt + ttl + grace. */
  expiresAt: number;
}


export interface LeaseTerms {
  /** Streams this account may hold at once (from the viewer's plan); an operator override wins. */
  limit: number;
  policy: StreamPolicy;
  /** How long a lease lives without a heartbeat… */
  ttlSeconds: number;
  /** …plus this much slack for a late heartbeat (a player paused on a slow network). */
  graceSeconds: number;
}

export type AcquireResult =
  | { admitted: true; lease: Lease; evicted: Lease[]; limit: number }
  | { admitted: false; active: Lease[]; limit: number };

/** Why a session no longer holds a lease: the player shows a different message for each. */
export type EndReason = 'evicted' | 'ended-by-operator' | 'released' | 'expired';

export type HeartbeatResult = { alive: true; lease: Lease } | { alive: false; reason: EndReason };

type LeaseRow = { session_id: string; device_id: string; title_id: string; acquired_at: number; renewed_at: number; expires_at: number };

/** How long the reason a session ended is remembered, so its next reload can say why. */
const ENDED_MEMORY_MS = 24 * 3600 * 1000;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Schema 2: leases with renewed_at, ended, settings (the override `limit`, `schema`, the stored `alarm_at`). */
const SCHEMA_VERSION = 2;

/**
 * One object per account (`idFromName(account)`) holding its playback leases in SQLite storage.
 *
 * Each RPC method runs its SQL synchronously without awaiting, so calls cannot interleave inside the
 * object: N simultaneous acquires on an account with limit L admit exactly min(N, L), with no locks.
 * Leases and the account's override live in SQLite, so they survive eviction and restarts.
 * Expired leases are removed by the object's alarm, set to the earliest expiry: nothing polls.
 * Reads also ignore leases past their expiry, so an alarm running late never admits one stream too few.
 */
export class StreamLimiter extends DurableObject {
  /** The alarm last stored (null: none), mirrored in settings `alarm_at`; undefined when not known. */
  #alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // An account's object is evicted when idle and rebuilt at its next renewal, which for most accounts
    // is every time (renewals come 10–30 s apart): with the schema current this costs one read, not
    // the five statements of the migration, and the stored alarm is known without asking for it.
    if (this.#schemaVersion() !== SCHEMA_VERSION) this.#migrate();
    this.#alarmAt = this.#setting('alarm_at');
  }

  #schemaVersion(): number | undefined {
    try {
      return this.#setting('schema');
    } catch {
      return undefined; // a new object: no settings table yet
    }
  }

  #setting(key: string): number | undefined {
    return this.ctx.storage.sql.exec<{ value: number }>('SELECT value FROM settings WHERE key = ?', key).toArray()[0]?.value;
  }

  #putSetting(key: string, value: number | undefined): void {
    if (value === undefined) this.ctx.storage.sql.exec('DELETE FROM settings WHERE key = ?', key);
    else this.ctx.storage.sql.exec('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  #migrate(): void {
    const sql = this.ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS leases (
      session_id TEXT PRIMARY KEY,
      device_id TEXT NOT NULL,
      title_id TEXT NOT NULL,
      acquired_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
    // Schema v1 (before heartbeats) had no renewed_at column.
    const columns = sql.exec<{ name: string }>('PRAGMA table_info(leases)').toArray().map((c) => c.name);
    if (!columns.includes('renewed_at')) sql.exec('ALTER TABLE leases ADD COLUMN renewed_at INTEGER NOT NULL DEFAULT 0');
    sql.exec(`CREATE TABLE IF NOT EXISTS ended (
      session_id TEXT PRIMARY KEY,
      reason TEXT NOT NULL,
      ended_at INTEGER NOT NULL
    )`);
    sql.exec('CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL)');
    this.#putSetting('schema', SCHEMA_VERSION);
  }

  acquire(sessionId: string, deviceId: string, titleId: string, terms: LeaseTerms): AcquireResult {
    checkId('sessionId', sessionId);
    checkId('deviceId', deviceId);
    checkId('titleId', titleId);
    checkTerms(terms);
    const now = Date.now();
    const limit = this.limitOverride() ?? terms.limit;
    const expiresAt = now + (terms.ttlSeconds + terms.graceSeconds) * 1000;
    const existing = this.#find(sessionId, now);
    if (existing) {
      this.ctx.storage.sql.exec('UPDATE leases SET renewed_at = ?, expires_at = ? WHERE session_id = ?', now, expiresAt, sessionId);
      this.#schedule();
      return { admitted: true, lease: { ...existing, renewedAt: now, expiresAt }, evicted: [], limit };
    }
    if (this.#endReason(sessionId)) return { admitted: false, active: this.list(), limit };
    let active = this.list();
    const evicted: Lease[] = [];
    if (active.length >= limit) {
      if (terms.policy === 'refuse-new') return { admitted: false, active, limit };
      // Oldest first (list() orders by acquired_at): stop as many as it takes to make room for one.
      for (const lease of active.slice(0, active.length - limit + 1)) {
        this.#end(lease.sessionId, 'evicted', now);
        evicted.push(lease);
      }
      active = active.slice(evicted.length);
    }
    const lease: Lease = { sessionId, deviceId, titleId, acquiredAt: now, renewedAt: now, expiresAt };
    this.ctx.storage.sql.exec(
      'INSERT INTO leases (session_id, device_id, title_id, acquired_at, renewed_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      sessionId, deviceId, titleId, now, now, expiresAt,
    );
    this.#schedule();
    return { admitted: true, lease, evicted, limit };
  }

  /** Renew a live lease; otherwise say why the session is over. */
  heartbeat(sessionId: string, terms: Pick<LeaseTerms, 'ttlSeconds' | 'graceSeconds'>): HeartbeatResult {
    checkId('sessionId', sessionId);
    checkTerms({ limit: 1, policy: 'refuse-new', ...terms });
    const now = Date.now();
    const existing = this.#find(sessionId, now);
    if (!existing) return { alive: false, reason: this.#endReason(sessionId) ?? 'expired' };
    const expiresAt = now + (terms.ttlSeconds + terms.graceSeconds) * 1000;
    this.ctx.storage.sql.exec('UPDATE leases SET renewed_at = ?, expires_at = ? WHERE session_id = ?', now, expiresAt, sessionId);
    this.#schedule();
    return { alive: true, lease: { ...existing, renewedAt: now, expiresAt } };
  }

  /** The player stopped: free the slot. False when the session held no lease. */
  release(sessionId: string): boolean {
    checkId('sessionId', sessionId);
    const held = this.#find(sessionId, Date.now()) !== undefined;
    if (held) this.#end(sessionId, 'released', Date.now());
    return held;
  }

  /** An operator ends a session: its next reload or heartbeat is refused. */
  end(sessionId: string): boolean {
    checkId('sessionId', sessionId);
    const held = this.#find(sessionId, Date.now()) !== undefined;
    if (held) this.#end(sessionId, 'ended-by-operator', Date.now());
    return held;
  }

  /** Live leases, oldest first. */
  list(): Lease[] {
    return this.ctx.storage.sql
      .exec<LeaseRow>('SELECT * FROM leases WHERE expires_at > ? ORDER BY acquired_at, session_id', Date.now())
      .toArray()
      .map(toLease);
  }

  /** The operator's per-account limit, or undefined when the plan's applies. */
  limitOverride(): number | undefined {
    const row = this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM settings WHERE key = 'limit'").toArray()[0];
    return row?.value;
  }

  /** Set (1..100) or clear (null) the account's override. Existing leases above a lowered limit run on; new ones wait. */
  setLimitOverride(limit: number | null): void {
    if (limit === null) {
      this.ctx.storage.sql.exec("DELETE FROM settings WHERE key = 'limit'");
      return;
    }
    checkLimit(limit);
    this.ctx.storage.sql.exec("INSERT INTO settings (key, value) VALUES ('limit', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", limit);
  }

  override alarm(): void {
    // The alarm that woke us is used up: whatever #schedule() finds next must be stored.
    this.#alarmAt = undefined;
    this.#putSetting('alarm_at', undefined);
    const now = Date.now();
    const expired = this.ctx.storage.sql.exec<{ session_id: string }>('SELECT session_id FROM leases WHERE expires_at <= ?', now).toArray();
    for (const row of expired) this.#end(row.session_id, 'expired', now);
    this.ctx.storage.sql.exec('DELETE FROM ended WHERE ended_at <= ?', now - ENDED_MEMORY_MS);
    this.#schedule();
  }

  /** Point the alarm at the next lease expiry, or at the oldest end record's forgetting time. */
  #schedule(): void {
    const next = this.ctx.storage.sql
      .exec<{ at: number | null }>(
        `SELECT min(at) AS at FROM (SELECT min(expires_at) AS at FROM leases UNION ALL SELECT min(ended_at) + ${ENDED_MEMORY_MS} FROM ended)`,
      )
      .one().at;
    // setAlarm/deleteAlarm are not awaited: the output gate holds the reply until they are stored.
    if (next === null) {
      if (this.#alarmAt !== null) {
        void this.ctx.storage.deleteAlarm();
        this.#putSetting('alarm_at', undefined);
      }
      this.#alarmAt = null;
      return;
    }
    // A renewal only moves an expiry later, so an alarm already set at or before the next expiry
    // still fires in time: alarm() then ends nothing early and points the alarm at the real next
    // expiry. Keeping it saves a storage write on every playlist reload and heartbeat (the hot RPC).
    if (this.#alarmAt !== undefined && this.#alarmAt !== null && this.#alarmAt <= next) return;
    void this.ctx.storage.setAlarm(next);
    this.#putSetting('alarm_at', next);
    this.#alarmAt = next;
  }

  #end(sessionId: string, reason: EndReason, now: number): void {
    this.ctx.storage.sql.exec('DELETE FROM leases WHERE session_id = ?', sessionId);
    this.ctx.storage.sql.exec(
      'INSERT INTO ended (session_id, reason, ended_at) VALUES (?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET reason = excluded.reason, ended_at = excluded.ended_at',
      sessionId, reason, now,
    );
    this.#schedule();
  }

  #endReason(sessionId: string): EndReason | undefined {
    return this.ctx.storage.sql.exec<{ reason: EndReason }>('SELECT reason FROM ended WHERE session_id = ?', sessionId).toArray()[0]?.reason;
  }

  #find(sessionId: string, now: number): Lease | undefined {
    const row = this.ctx.storage.sql.exec<LeaseRow>('SELECT * FROM leases WHERE session_id = ? AND expires_at > ?', sessionId, now).toArray()[0];
    return row ? toLease(row) : undefined;
  }
}

function toLease(row: LeaseRow): Lease {
  return {
    sessionId: row.session_id,
    deviceId: row.device_id,
    titleId: row.title_id,
    acquiredAt: row.acquired_at,
    renewedAt: row.renewed_at,
    expiresAt: row.expires_at,
  };
}

function checkId(field: string, value: unknown): void {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new TypeError(`${field}: expected 1..128 characters [A-Za-z0-9._:-], received ${JSON.stringify(value)?.slice(0, 80)}`);
  }
}

function checkLimit(limit: unknown): void {
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 100) {
    throw new TypeError(`limit: expected an integer in 1..100, received ${String(limit)}`);
  }
}

function checkTerms(terms: LeaseTerms): void {
  checkLimit(terms.limit);
  if (!STREAM_POLICIES.includes(terms.policy)) throw new TypeError(`policy: expected one of ${STREAM_POLICIES.join(', ')}, received ${String(terms.policy)}`);
  if (!Number.isInteger(terms.ttlSeconds) || terms.ttlSeconds < 1 || terms.ttlSeconds > 86_400) {
    throw new TypeError(`ttlSeconds: expected an integer in 1..86400, received ${terms.ttlSeconds}`);
  }
  if (!Number.isInteger(terms.graceSeconds) || terms.graceSeconds < 0 || terms.graceSeconds > 3600) {
    throw new TypeError(`graceSeconds: expected an integer in 0..3600, received ${terms.graceSeconds}`);
  }
}
