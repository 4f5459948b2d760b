import { ensureDevIdentity, signViewerToken } from '../../scripts/lib/dev-identity.ts';

/** A viewer token from the same development identity `npm run token` uses. */
export async function devToken(sub = 'e2e-viewer', ttlSeconds = 600, extra: { plan?: 'basic' | 'standard' | 'premium'; role?: 'viewer' | 'operator'; acct?: string } = {}): Promise<string> {
  return signViewerToken(await ensureDevIdentity(), { sub, plan: extra.plan ?? 'premium', role: extra.role ?? 'viewer', ttlSeconds, ...(extra.acct !== undefined && { acct: extra.acct }) });
}
