import { ProblemError } from '@cascade/common';
import type { Lease, StreamLimiter } from '@cascade/licensing';
import type { Plan } from '../auth/viewer.ts';
import type { StreamConfig } from '../config.ts';

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
    if (!result.admitted) {
      throw new ProblemError(
        'too-many-streams',
        `the account already plays ${result.active.length} of its ${result.limit} streams; stop one to start another`,
        { limit: result.limit, streams: result.active.map(streamView) },
      );
    }
  }

  /** A playlist reload or explicit heartbeat: renew, or refuse with why the stream is over. */
  async heartbeat(account: string, sessionId: string): Promise<StreamView> {
    const result = await this.limiter(account).heartbeat(sessionId, { ttlSeconds: this.#config.leaseSeconds, graceSeconds: this.#config.graceSeconds });
    if (result.alive) return streamView(result.lease);
    if (result.reason === 'evicted') throw new ProblemError('stream-evicted', `session ${sessionId} was stopped: the account started a newer stream`);
    const why = { 'ended-by-operator': 'an operator ended it', released: 'the player stopped it', expired: 'its lease expired without a heartbeat' }[result.reason];
    throw new ProblemError('stream-ended', `session ${sessionId} is over: ${why}; open a new session`, { reason: result.reason });
  }

  async release(account: string, sessionId: string): Promise<boolean> {
    return this.limiter(account).release(sessionId);
  }
}
