import { ProblemError } from '@cascade/common';
import type { Context } from 'hono';
import type { Readiness } from '../readiness.ts';

/** GET /healthz: 200 once the sample content is published; 503 not-ready with the progress until then. */
export function healthRoute(readiness: Readiness) {
  return (c: Context): Response => {
    const state = readiness.state;
    if (state.status === 'preparing') {
      throw new ProblemError('not-ready', `making sample content (${state.stage}, ${state.progress}%)`, {
        stage: state.stage,
        progress: state.progress,
      });
    }
    if (state.status === 'failed') {
      throw new ProblemError('not-ready', `sample content could not be made: ${state.reason}`, { stage: 'failed' });
    }
    return c.json({ status: 'ok' }, 200, { 'cache-control': 'no-store' });
  };
}
