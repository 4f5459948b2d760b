/**
 * Pass/fail criteria per request type. Each threshold also makes k6 keep the tagged sub-metric, so the
 * summary breaks latency and failures down by `type` (and ad segments apart). Budgets are what a player
 * tolerates: a segment must arrive well inside its own duration, a playlist reload inside half a target
 * duration, a license before the first frame is due.
 */
export const REQUEST_THRESHOLDS: Record<string, string[]> = {
  'http_req_failed': ['rate<0.001'],
  'http_req_failed{type:manifest}': ['rate<0.001'],
  'http_req_failed{type:playlist}': ['rate<0.001'],
  'http_req_failed{type:segment}': ['rate<0.001'],
  'http_req_failed{type:license}': ['rate<0.001'],
  'http_req_failed{type:heartbeat}': ['rate<0.001'],
  'http_req_duration{type:manifest}': ['p(99)<1500'],
  'http_req_duration{type:playlist}': ['p(99)<1000'],
  'http_req_duration{type:segment}': ['p(50)<300', 'p(99)<2000'],
  'http_req_duration{type:license}': ['p(99)<1000'],
  'http_req_duration{type:heartbeat}': ['p(99)<1000'],
  'http_req_duration{ad:true}': ['p(99)<2000'],
  'viewer_refused_unexpectedly': ['count<1'],
};
