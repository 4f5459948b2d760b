import { ProblemError } from '@cascade/common';
import { appFor } from './app.ts';
import type { Env } from './env.ts';
import { log } from './http/log.ts';
import { deliverAdBeacons } from './ssai/deliver-ad-beacons.ts';

export { StreamLimiter } from '@cascade/licensing';
export { RevocationList } from './revocation/revocation-list.ts';
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
  // Server-side ad beacons (AD_BEACONS): at-least-once delivery, deduplicated per session.
  async queue(batch, env) {
    await deliverAdBeacons(batch, env);
  },
} satisfies ExportedHandler<Env>;
