import { ProblemError } from '@cascade/common';
import { appFor } from './app.ts';
import type { Env } from './env.ts';
import { log } from './http/log.ts';
import { parseConfig } from './config.ts';
import { probePathways } from './steering/probe-pathways.ts';
import { steeringControl } from './steering/steering-control-stub.ts';
import { deliverAdBeacons } from './ssai/deliver-ad-beacons.ts';

export { StreamLimiter } from '@cascade/licensing';
export { RevocationList } from './revocation/revocation-list.ts';
export { SteeringControl } from './steering/steering-control.ts';
export { AdSessions } from './ssai/ad-sessions.ts';

export default {
  fetch(request, env, ctx) {
    try {
      return appFor(env).fetch(request, env, ctx);
    } catch (error) {
      // Only configuration errors can escape appFor: answer every request with them, loudly.
      const problem = error instanceof ProblemError ? error : new ProblemError('internal', 'edge failed to start');
      log('error', 'edge configuration rejected', { code: problem.code, detail: problem.message });
      return problem.toResponse(new URL(request.url).pathname);
    }
  },
  /** Cron trigger: probe every steering pathway; failures drain it and good probes restore it (with hysteresis). */
  async scheduled(_controller, env) {
    const config = parseConfig(env);
    if (config.steering.pathways.length === 0) return;
    const results = await probePathways(config);
    const health = await steeringControl(env).recordProbes(results, config.steering.probeFailures, config.steering.probeRecoveries);
    log('info', 'steering probes', { results, down: Object.entries(health).filter(([, h]) => !h.up).map(([id]) => id) });
  },
  // Server-side ad beacons (AD_BEACONS): at-least-once delivery, deduplicated per session.
  async queue(batch, env) {
    await deliverAdBeacons(batch, env);
  },
} satisfies ExportedHandler<Env>;
