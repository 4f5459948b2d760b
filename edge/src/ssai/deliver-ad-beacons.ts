import type { Env } from '../env.ts';
import { log } from '../http/log.ts';
import { isAdBeaconMessage } from './ad-beacon-message.ts';

const TIMEOUT_MS = 5_000;

/**
 * The AD_BEACONS consumer. Each message names a session, an ad of its plan and an event; every tracking
 * URL of that event (the inline ad's and each wrapper's) is claimed in the session's AdSessions object,
 * fetched, and marked delivered, so the ad server sees each exactly once however often the segments were
 * fetched or the message redelivered. A failed URL is released and the message retried with backoff.
 */
export async function deliverAdBeacons(batch: MessageBatch<unknown>, env: Env, fetcher: typeof fetch = fetch): Promise<void> {
  const namespace = env.AD_SESSIONS;
  for (const message of batch.messages) {
    if (!isAdBeaconMessage(message.body) || !namespace) {
      log('warn', 'ad beacon message dropped', { id: message.id });
      message.ack();
      continue;
    }
    const { sid, breakIndex, adIndex, event } = message.body;
    const session = namespace.get(namespace.idFromName(sid));
    const plan = await session.plan();
    const urls = plan?.breaks[breakIndex]?.ads[adIndex]?.tracking[event] ?? [];
    let failed = false;
    for (const [i, url] of urls.entries()) {
      const key = `${breakIndex}.${adIndex}.${event}.${i}`;
      if (!(await session.claim(key))) continue;
      try {
        const response = await fetcher(url, { redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS) });
        await response.body?.cancel();
        if (response.status >= 500 || response.status === 429) throw new Error(`answered ${response.status}`);
        await session.delivered(key);
      } catch (error) {
        failed = true;
        await session.release(key);
        log('warn', 'ad beacon failed', { sid, key, error: String(error), attempts: message.attempts });
      }
    }
    if (failed) message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    else message.ack();
  }
}
