import { DurableObject } from 'cloudflare:workers';

export interface Lease {
  sessionId: string;
  deviceId: string;
  titleId: string;
  acquiredAt: number;
  expiresAt: number;
}

export interface AcquireRequest {
  sessionId: string;
  deviceId: string;
  titleId: string;
  /** Streams this account may hold at once (from the viewer's plan). */
  limit: number;
  ttlSeconds: number;
}

export type AcquireResult = { admitted: true; lease: Lease } | { admitted: false; active: Lease[] };

type LeaseRow = { session_id: string; device_id: string; title_id: string; acquired_at: number; expires_at: number };

/**
 * One object per account holding its playback leases in SQLite storage. Each RPC method runs its
 * SQL synchronously without awaiting, so calls cannot interleave inside the object: N simultaneous
 * acquires on an account with limit L admit exactly min(N, L), with no locks.
 *
 * Scope of this first version: leases with a TTL, renewal, release and listing. Grace periods,
 * alarms, eviction policies and enforcement in the play path arrive with the licensing issue.
 */
export class StreamLimiter extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS leases (
      session_id TEXT PRIMARY KEY,
      device_id TEXT NOT NULL,
      title_id TEXT NOT NULL,
      acquired_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
  }

  acquire(request: AcquireRequest): AcquireResult {
    checkAcquire(request);
    const now = Date.now();
    this.#purgeExpired(now);
    const existing = this.#find(request.sessionId);
    const expiresAt = now + request.ttlSeconds * 1000;
    if (existing) {
      this.ctx.storage.sql.exec('UPDATE leases SET expires_at = ? WHERE session_id = ?', expiresAt, request.sessionId);
      return { admitted: true, lease: { ...existing, expiresAt } };
    }
    const active = this.list();
    if (active.length >= request.limit) return { admitted: false, active };
    const lease: Lease = { sessionId: request.sessionId, deviceId: request.deviceId, titleId: request.titleId, acquiredAt: now, expiresAt };
    this.ctx.storage.sql.exec(
      'INSERT INTO leases (session_id, device_id, title_id, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      lease.sessionId, lease.deviceId, lease.titleId, lease.acquiredAt, lease.expiresAt,
    );
    return { admitted: true, lease };
  }

  /** Extend a live lease; false when it has expired or was never granted. */
  heartbeat(sessionId: string, ttlSeconds: number): boolean {
    const now = Date.now();
    this.#purgeExpired(now);
    const cursor = this.ctx.storage.sql.exec('UPDATE leases SET expires_at = ? WHERE session_id = ?', now + ttlSeconds * 1000, sessionId);
    return cursor.rowsWritten > 0;
  }

  release(sessionId: string): boolean {
    return this.ctx.storage.sql.exec('DELETE FROM leases WHERE session_id = ?', sessionId).rowsWritten > 0;
  }

  list(): Lease[] {
    this.#purgeExpired(Date.now());
    return this.ctx.storage.sql
      .exec<LeaseRow>('SELECT * FROM leases ORDER BY acquired_at, session_id')
      .toArray()
      .map(toLease);
  }

  #find(sessionId: string): Lease | undefined {
    const row = this.ctx.storage.sql.exec<LeaseRow>('SELECT * FROM leases WHERE session_id = ?', sessionId).toArray()[0];
    return row ? toLease(row) : undefined;
  }

  #purgeExpired(now: number): void {
    this.ctx.storage.sql.exec('DELETE FROM leases WHERE expires_at <= ?', now);
  }
}

function toLease(row: LeaseRow): Lease {
  return { sessionId: row.session_id, deviceId: row.device_id, titleId: row.title_id, acquiredAt: row.acquired_at, expiresAt: row.expires_at };
}

function checkAcquire(request: AcquireRequest): void {
  for (const field of ['sessionId', 'deviceId', 'titleId'] as const) {
    const value = request[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
      throw new TypeError(`${field}: expected a string of 1..128 characters, received ${JSON.stringify(value)}`);
    }
  }
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 100) {
    throw new TypeError(`limit: expected an integer in 1..100, received ${request.limit}`);
  }
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds < 1 || request.ttlSeconds > 86_400) {
    throw new TypeError(`ttlSeconds: expected an integer in 1..86400, received ${request.ttlSeconds}`);
  }
}
