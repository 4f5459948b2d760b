import { DurableObject } from 'cloudflare:workers';

export const REVOCATION_KINDS = ['session', 'account'] as const;
export type RevocationKind = (typeof REVOCATION_KINDS)[number];

export interface Revocation {
  kind: RevocationKind;
  /** Play session id (`sid`) or account id (`acct`). */
  id: string;
  reason: string;
  /** Seconds since the epoch. An account revocation refuses credentials issued at or before it. */
  revokedAt: number;
  expiresAt: number;
}

export interface RevokeRequest {
  kind: RevocationKind;
  id: string;
  reason?: string;
  /** How long the entry is kept; it only needs to outlive the credentials it refuses. */
  ttlSeconds?: number;
}

/** What each edge isolate caches: every live revocation, small enough to hold (expired ones are purged). */
export interface RevocationSnapshot {
  sessions: string[];
  accounts: Record<string, number>;
}

type Row = { kind: string; id: string; reason: string; revoked_at: number; expires_at: number };

const DEFAULT_TTL_SECONDS = 30 * 86_400;
const MAX_TTL_SECONDS = 365 * 86_400;

/**
 * The global revocation list: one instance (by name "global"), SQLite-backed. Operators write to it
 * through `/v1/ops/revocations`; every isolate reads a snapshot at most every REVOCATION_CACHE_SECONDS,
 * so a revocation takes effect everywhere within seconds without a round trip per request.
 */
export class RevocationList extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS revocations (
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      reason TEXT NOT NULL,
      revoked_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (kind, id)
    )`);
  }

  revoke(request: RevokeRequest): Revocation {
    checkRevoke(request);
    const now = Math.floor(Date.now() / 1000);
    this.#purge(now);
    const revocation: Revocation = {
      kind: request.kind,
      id: request.id,
      reason: request.reason ?? '',
      revokedAt: now,
      expiresAt: now + (request.ttlSeconds ?? DEFAULT_TTL_SECONDS),
    };
    this.ctx.storage.sql.exec(
      'INSERT OR REPLACE INTO revocations (kind, id, reason, revoked_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      revocation.kind, revocation.id, revocation.reason, revocation.revokedAt, revocation.expiresAt,
    );
    return revocation;
  }

  remove(kind: RevocationKind, id: string): boolean {
    return this.ctx.storage.sql.exec('DELETE FROM revocations WHERE kind = ? AND id = ?', kind, id).rowsWritten > 0;
  }

  list(): Revocation[] {
    this.#purge(Math.floor(Date.now() / 1000));
    return this.ctx.storage.sql.exec<Row>('SELECT * FROM revocations ORDER BY revoked_at, kind, id').toArray().map((row) => ({
      kind: row.kind as RevocationKind,
      id: row.id,
      reason: row.reason,
      revokedAt: row.revoked_at,
      expiresAt: row.expires_at,
    }));
  }

  snapshot(): RevocationSnapshot {
    const snapshot: RevocationSnapshot = { sessions: [], accounts: {} };
    for (const revocation of this.list()) {
      if (revocation.kind === 'session') snapshot.sessions.push(revocation.id);
      else snapshot.accounts[revocation.id] = revocation.revokedAt;
    }
    return snapshot;
  }

  #purge(now: number): void {
    this.ctx.storage.sql.exec('DELETE FROM revocations WHERE expires_at <= ?', now);
  }
}

/** Checks an RPC argument field by field; the message names the field, the expectation and the value. */
export function checkRevoke(request: RevokeRequest): void {
  if (typeof request !== 'object' || request === null) throw new TypeError(`body: expected an object, received ${JSON.stringify(request)}`);
  if (!(REVOCATION_KINDS as readonly unknown[]).includes(request.kind)) {
    throw new TypeError(`kind: expected "session" or "account", received ${JSON.stringify(request.kind)}`);
  }
  if (typeof request.id !== 'string' || request.id.length === 0 || request.id.length > 256) {
    throw new TypeError(`id: expected a string of 1..256 characters, received ${JSON.stringify(request.id)}`);
  }
  if (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > 500)) {
    throw new TypeError(`reason: expected a string of at most 500 characters, received ${JSON.stringify(request.reason)?.slice(0, 60)}`);
  }
  if (request.ttlSeconds !== undefined && !(Number.isInteger(request.ttlSeconds) && request.ttlSeconds >= 60 && request.ttlSeconds <= MAX_TTL_SECONDS)) {
    throw new TypeError(`ttlSeconds: expected an integer in 60..${MAX_TTL_SECONDS}, received ${JSON.stringify(request.ttlSeconds)}`);
  }
}
