import type { AdServerConfig } from './ad-server-config.ts';

/** FNV-1a: a cheap, stable spread of ids over a window (not a security function). */
function spread(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

/**
 * Whose decision a viewer uses for a break: its own (`session:{sid}`), or, with cohorting, the one shared
 * by every viewer of the channel with the same targeting key (`cohort:{channel}:{break}:{key}`).
 */
export function decisionKey(server: AdServerConfig, channelId: string, breakId: string, sid: string, viewer: { region: string; device: string }): string {
  switch (server.cohortBy) {
    case 'none':
      return `session:${sid}:${breakId}`;
    case 'region':
      return `cohort:${channelId}:${breakId}:${viewer.region}`;
    case 'region-device':
      return `cohort:${channelId}:${breakId}:${viewer.region}:${viewer.device}`;
  }
}

/**
 * When (epoch ms) the decision behind `key` is made for a break announced to start at `startDate`: a
 * point spread evenly over the `prefetchSeconds` before the break by a hash of the key, so N viewers make
 * about N / prefetchSeconds calls a second instead of N in the break's first second. The last
 * 10 % of the window is left free, so a decision that times out still lands before the break.
 */
export function prefetchAt(server: AdServerConfig, startDate: number, key: string): number | undefined {
  if (server.prefetchSeconds <= 0) return undefined;
  const window = server.prefetchSeconds * 1000 * 0.9;
  return startDate - server.prefetchSeconds * 1000 + Math.floor(spread(key) * window);
}
