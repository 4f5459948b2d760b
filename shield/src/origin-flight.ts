import { ProblemError } from '@cascade/common';
import type { ObjectHeaders, OriginObject } from './cached-object.ts';

/** What a flight knows once the origin's answer headers are in. */
export type FlightStart =
  /** A 200 whose body is arriving: waiters stream it. `length` is the origin's Content-Length. */
  | { kind: 'stream'; headers: ObjectHeaders; length: number | undefined; cacheable: boolean; originAge: number }
  /** A complete answer: a 4xx, or a stale copy the origin confirmed with 304. */
  | { kind: 'done'; object: OriginObject; cached: boolean }
  /** Over the object size limit: every waiter streams it from the origin on its own. */
  | { kind: 'too-large' };

export interface FlightListener {
  data(chunk: Buffer): void;
  end(): void;
  error(problem: ProblemError): void;
}

/**
 * One origin fetch that any number of requests share. Chunks are kept as they arrive, so a waiter that
 * joins late is replayed what came before and then gets each new chunk the moment it lands: nobody
 * polls, nobody waits for a lock, and a waiter's first byte is as early as the origin's. A failure
 * before the headers rejects `start`; one after them errors every listener, whose responses are then
 * cut short (never ended as if complete). `result` is the whole object, for waiters that need all of
 * it (ranges, conditionals).
 */
export class OriginFlight {
  readonly key: string;
  readonly start: Promise<FlightStart>;
  readonly result: Promise<OriginObject>;
  /** Set by a purge while the fetch was running: its answer must not be stored. */
  purged = false;
  /** The body outgrew the object limit: streamed on to those already listening, kept for nobody. */
  overflowed = false;
  #resolveStart!: (start: FlightStart) => void;
  #rejectStart!: (problem: ProblemError) => void;
  #resolveResult!: (object: OriginObject) => void;
  #rejectResult!: (problem: ProblemError) => void;
  #chunks: Buffer[] = [];
  #listeners = new Set<FlightListener>();
  #state: 'waiting' | 'streaming' | 'ended' | 'failed' = 'waiting';
  #problem: ProblemError | undefined;

  constructor(key: string) {
    this.key = key;
    this.start = new Promise<FlightStart>((resolve, reject) => {
      this.#resolveStart = resolve;
      this.#rejectStart = reject;
    });
    this.result = new Promise<OriginObject>((resolve, reject) => {
      this.#resolveResult = resolve;
      this.#rejectResult = reject;
    });
    // A flight nobody awaits (a background revalidation) must not count as an unhandled rejection.
    this.start.catch(() => {});
    this.result.catch(() => {});
  }

  /** The answer is complete already (4xx, 304) or must be streamed by each waiter (too large). */
  settle(start: Exclude<FlightStart, { kind: 'stream' }>, object?: OriginObject): void {
    this.#state = 'ended';
    this.#resolveStart(start);
    if (start.kind === 'done') this.#resolveResult(start.object);
    else if (object !== undefined) this.#resolveResult(object);
  }

  open(headers: ObjectHeaders, length: number | undefined, cacheable: boolean, originAge: number): void {
    this.#state = 'streaming';
    this.#resolveStart({ kind: 'stream', headers, length, cacheable, originAge });
  }

  push(chunk: Buffer): void {
    if (!this.overflowed) this.#chunks.push(chunk);
    for (const listener of this.#listeners) listener.data(chunk);
  }

  /**
   * Stop keeping chunks (the body is over the object limit and had no Content-Length to say so):
   * current listeners still get the whole body; `result` will reject, and nobody new may subscribe.
   */
  overflow(): void {
    this.overflowed = true;
    this.#chunks = [];
  }

  /** The body arrived whole: waiters end their responses, and `result` carries the object (unless it overflowed). */
  finish(object: OriginObject | undefined, tooLarge?: ProblemError): void {
    this.#state = 'ended';
    for (const listener of this.#listeners) listener.end();
    this.#listeners.clear();
    if (object !== undefined) this.#resolveResult(object);
    else if (tooLarge !== undefined) this.#rejectResult(tooLarge);
  }

  fail(problem: ProblemError): void {
    if (this.#state === 'ended' || this.#state === 'failed') return;
    const started = this.#state === 'streaming';
    this.#state = 'failed';
    this.#problem = problem;
    this.#chunks = [];
    if (!started) this.#rejectStart(problem);
    for (const listener of this.#listeners) listener.error(problem);
    this.#listeners.clear();
    this.#rejectResult(problem);
  }

  /** The chunks so far, in order; the caller concatenates them once the body is complete. */
  get chunks(): readonly Buffer[] {
    return this.#chunks;
  }

  /** Replay what arrived so far, then follow the live body. Returns the unsubscribe function. */
  subscribe(listener: FlightListener): () => void {
    if (this.overflowed) {
      listener.error(new ProblemError('upstream-error', 'the object outgrew the size limit while it streamed'));
      return () => {};
    }
    for (const chunk of this.#chunks) listener.data(chunk);
    if (this.#state === 'ended') {
      listener.end();
      return () => {};
    }
    if (this.#state === 'failed') {
      listener.error(this.#problem!);
      return () => {};
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
