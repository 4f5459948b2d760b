import { ensureDevIdentity, signViewerToken } from '../../scripts/lib/dev-identity.ts';

/** A viewer token from the same development identity `npm run token` uses. */
export async function devToken(sub = 'e2e-viewer', ttlSeconds = 600): Promise<string> {
  return signViewerToken(await ensureDevIdentity(), { sub, plan: 'premium', role: 'viewer', ttlSeconds });
}
