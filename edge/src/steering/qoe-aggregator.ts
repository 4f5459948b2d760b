import { log } from '../http/log.ts';
import type { QoeBatch } from './steering-control.ts';

export interface QoeReport {
  pathway: string;
  /** ISO alpha-2, or undefined when unknown. */
  country: string | undefined;
  sessionId: string;
  throughputKbps?: number | undefined;
  rebuffering?: boolean;
  error?: boolean;
  startupMs?: number | undefined;
}

/**
 * Per-isolate QoE sums (steering reloads with _HLS_throughput/_DASH_throughput, CMCD reports), flushed to
 * the control plane at most every `flushSeconds`, and written to Workers Analytics Engine one data point
 * per report when the binding exists (it does not locally).
 */
export class QoeAggregator {
  readonly #flush: (batch: QoeBatch) => Promise<void>;
  readonly #analytics: AnalyticsEngineDataset | undefined;
  readonly #flushMs: number;
  #batch: QoeBatch = {};
  #sessions = new Map<string, Set<string>>();
  #lastFlush = 0;

  constructor(options: { flush: (batch: QoeBatch) => Promise<void>; analytics: AnalyticsEngineDataset | undefined; flushSeconds: number }) {
    this.#flush = options.flush;
    this.#analytics = options.analytics;
    this.#flushMs = options.flushSeconds * 1000;
  }

  /** Records one report; answers a flush promise for waitUntil when one is due. */
  report(report: QoeReport, now = Date.now()): Promise<void> | undefined {
    const key = `${report.pathway}|${report.country ?? '--'}`;
    const sums = (this.#batch[key] ??= { reports: 0, sessions: 0, throughputKbpsSum: 0, throughputReports: 0, rebuffers: 0, errors: 0, startupMsSum: 0, startupReports: 0 });
    sums.reports++;
    let seen = this.#sessions.get(key);
    if (seen === undefined) this.#sessions.set(key, (seen = new Set()));
    if (!seen.has(report.sessionId)) {
      seen.add(report.sessionId);
      sums.sessions++;
    }
    if (report.throughputKbps !== undefined) {
      sums.throughputKbpsSum += report.throughputKbps;
      sums.throughputReports++;
    }
    if (report.rebuffering) sums.rebuffers++;
    if (report.error) sums.errors++;
    if (report.startupMs !== undefined) {
      sums.startupMsSum += report.startupMs;
      sums.startupReports++;
    }
    try {
      this.#analytics?.writeDataPoint({
        indexes: [report.pathway],
        blobs: [report.pathway, report.country ?? '--', report.sessionId],
        doubles: [report.throughputKbps ?? 0, report.rebuffering ? 1 : 0, report.error ? 1 : 0, report.startupMs ?? 0],
      });
    } catch (error) {
      log('warn', 'analytics engine write failed', { cause: String(error) });
    }
    if (now - this.#lastFlush < this.#flushMs) return undefined;
    return this.flush(now);
  }

  async flush(now = Date.now()): Promise<void> {
    const batch = this.#batch;
    this.#batch = {};
    this.#sessions = new Map();
    this.#lastFlush = now;
    if (Object.keys(batch).length === 0) return;
    try {
      await this.#flush(batch);
    } catch (error) {
      log('warn', 'QoE flush to the steering control plane failed', { cause: String(error) });
    }
  }
}
