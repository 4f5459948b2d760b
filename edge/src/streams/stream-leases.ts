import { ProblemError } from '@cascade/common';
import type { Lease, StreamLimiter } from '@cascade/licensing';
import type { Plan } from '../auth/viewer.ts';
import type { StreamConfig } from '../config.ts';
import { BoundedCache } from '../session/bounded-cache.ts';

/** Sessions whose last renewal this isolate remembers (a few hundred bytes each). */
const RECENT_RENEWALS = 20_000;

/** A lease as players and operators see it (times as ISO strings). */
export interface StreamView {
  sessionId: string;
  deviceId: string;
  titleId: string;
  startedAt: string;
  renewedAt: string;
  expiresAt: string;
}

export function streamView(lease: Lease): StreamView {
  return {
    sessionId: lease.sessionId,
    deviceId: lease.deviceId,
    titleId: lease.titleId,
    startedAt: new Date(lease.acquiredAt).toISOString(),
    renewedAt: new Date(lease.renewedAt).toISOString(),
    expiresAt: new Date(lease.expiresAt).toISOString(),
  };
}

/**
 * The edge's side of the concurrent-stream limit: one StreamLimiter object per account
 * (`idFromName(account)`), so no object ever sees more than one account's traffic.
 */
export class StreamLeases {
  readonly #namespace: DurableObjectNamespace<StreamLimiter>;
  readonly #config: StreamConfig;
  /**
   * `account \n sessionId` → when this isolate last began renewing that lease (ms). A live player
   * reloads its video and audio playlists every target duration: without this each reload is an RPC to
   * the account's object (about 1 ms of Worker CPU, the largest share of a reload's in the surge bench).
   * A time, never a promise: one request must not wait on another's I/O in workerd.
   */
  readonly #renewedAt = new BoundedCache<string, number>(RECENT_RENEWALS);

  constructor(namespace: DurableObjectNamespace<StreamLimiter> | undefined, config: StreamConfig) {
    if (!namespace) throw new ProblemError('config-invalid', 'STREAM_LIMITER: expected a Durable Object binding to StreamLimiter, received none');
    this.#namespace = namespace;
    this.#config = config;
  }

  /** A fresh stub per call: stubs are bound to the request that made them. */
  limiter(account: string) {
    return this.#namespace.get(this.#namespace.idFromName(account));
  }

  /** Session start: admit the stream or refuse it (429 too-many-streams naming the streams in use). */
  async acquire(account: string, plan: Plan, sessionId: string, deviceId: string, titleId: string): Promise<void> {
    const result = await this.limiter(account).acquire(sessionId, deviceId, titleId, {
      limit: this.#config.limits[plan],
      policy: this.#config.policies[plan],
      ttlSeconds: this.#config.leaseSeconds,
      graceSeconds: this.#config.graceSeconds,
    });
    // Sessions this start evicted are refused at their next reload through this isolate, reuse or not.
    if (result.admitted) for (const lease of result.evicted) this.#forget(`${account}\n${lease.sessionId}`);
    if (!result.admitted) {
      throw new ProblemError(
        'too-many-streams',
        `the account already plays ${result.active.length} of its ${result.limit} streams; stop one to start another`,
        { limit: result.limit, streams: result.active.map(streamView) },
      );
    }
  }

  /**
   * A media-playlist reload: renew like `heartbeat`, except that a renewal of the same session this
   * isolate began less than `renewalReuseSeconds` ago (finished or in flight, not refused) is reused
   * instead of calling the object again. What this costs: a session ended by another isolate (evicted by a start elsewhere,
   * stopped, ended by an operator) may have reloads through this isolate served for up to that many
   * seconds after it ended; one ended through this isolate is refused at its next reload, as before.
   * The lease itself is never at risk: the reuse window is at most half the lease.
   */
  async renewOnReload(account: string, sessionId: string): Promise<void> {
    const key = `${account}\n${sessionId}`;
    const renewedAt = this.#renewedAt.get(key);
    if (renewedAt !== undefined && Date.now() - renewedAt < this.#config.renewalReuseSeconds * 1000) return;
    await this.heartbeat(account, sessionId);
  }

  /**
   * A playlist reload or explicit heartbeat: renew, or refuse with why the stream is over. The renewal
   * counts for `renewOnReload` from when it starts, so a player's audio and video reloads arriving
   * together cost one RPC (the other reload is served while it is in flight, as it would be a moment
   * after it); a refused or failed renewal is forgotten, so the next reload asks the object again.
   */
  async heartbeat(account: string, sessionId: string): Promise<StreamView> {
    const key = `${account}\n${sessionId}`;
    const startedAt = Date.now();
    if (this.#config.renewalReuseSeconds > 0) this.#renewedAt.set(key, startedAt);
    try {
      return await this.#callHeartbeat(account, sessionId);
    } catch (error) {
      if (this.#renewedAt.get(key) === startedAt) this.#renewedAt.delete(key);
      throw error;
    }
  }

  async #callHeartbeat(account: string, sessionId: string): Promise<StreamView> {
    const result = await this.limiter(account).heartbeat(sessionId, { ttlSeconds: this.#config.leaseSeconds, graceSeconds: this.#config.graceSeconds });
    if (result.alive) return streamView(result.lease);
    if (result.reason === 'evicted') throw new ProblemError('stream-evicted', `session ${sessionId} was stopped: the account started a newer stream`);
    const why = { 'ended-by-operator': 'an operator ended it', released: 'the player stopped it', expired: 'its lease expired without a heartbeat' }[result.reason];
    throw new ProblemError('stream-ended', `session ${sessionId} is over: ${why}; open a new session`, { reason: result.reason });
  }

  async release(account: string, sessionId: string): Promise<boolean> {
    this.#forget(`${account}\n${sessionId}`);
    return this.limiter(account).release(sessionId);
  }

  /** An operator ends a session: false when it held no lease. */
  async end(account: string, sessionId: string): Promise<boolean> {
    this.#forget(`${account}\n${sessionId}`);
    return this.limiter(account).end(sessionId);
  }

  /** The lease ends: its next reload through this isolate asks the object (and is refused). */
  #forget(key: string): void {
    this.#renewedAt.delete(key);
  }
}
