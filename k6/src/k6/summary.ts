/**
 * `handleSummary`: the full k6 summary as JSON (for CI and for comparing runs with the planner), plus a
 * short table per request type on stdout. Written by hand because k6's text-summary helper lives in
 * jslib, which a closed network cannot import.
 */
interface MetricValues { [stat: string]: number }
interface SummaryData { metrics: Record<string, { values: MetricValues; thresholds?: Record<string, { ok: boolean }> }> }

const TYPES = ['manifest', 'playlist', 'segment', 'license', 'heartbeat'];

export function summaryTable(data: SummaryData): string {
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(10))).join(' ');
  const out = [row(['type', 'requests', 'failed %', 'p50 ms', 'p90 ms', 'p99 ms'])];
  for (const type of TYPES) {
    const duration = data.metrics[`http_req_duration{type:${type}}`]?.values;
    const failed = data.metrics[`http_req_failed{type:${type}}`]?.values;
    if (!duration) continue;
    out.push(row([
      type,
      String(failed ? (failed['passes'] ?? 0) + (failed['fails'] ?? 0) : '?'),
      failed ? ((failed['rate'] ?? 0) * 100).toFixed(3) : '?',
      (duration['med'] ?? 0).toFixed(1),
      (duration['p(90)'] ?? 0).toFixed(1),
      (duration['p(99)'] ?? 0).toFixed(1),
    ]));
  }
  const crossed = Object.entries(data.metrics).flatMap(([name, metric]) =>
    Object.entries(metric.thresholds ?? {}).filter(([, t]) => !t.ok).map(([expr]) => `${name}: ${expr}`));
  out.push(crossed.length === 0 ? 'thresholds: all met' : `thresholds crossed:\n  ${crossed.join('\n  ')}`);
  return `${out.join('\n')}\n`;
}

export function summaryOutputs(data: SummaryData, file: string | undefined, scenario: string): Record<string, string> {
  return {
    stdout: `\n${scenario}\n${summaryTable(data)}`,
    [file ?? `k6-summary-${scenario}.json`]: JSON.stringify(data, null, 2),
  };
}
