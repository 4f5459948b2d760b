// The worker the limiter benchmark runs in workerd: it exports the real StreamLimiter and makes one RPC
// to one account's object per request. (Timing inside workerd does not work: its clock does not advance
// across an RPC to an object in the same process, so the benchmark times requests from Node.)
import type { LeaseTerms } from '../src/stream-limiter.ts';
import { StreamLimiter } from '../src/stream-limiter.ts';
import { ClearKeyAdapter, KeyEncryptionKey, generateContentKeys, tierAllowed, uuidToClearKeyKid, type WrappedContentKey } from '../src/protection.ts';
import { TitleKeys } from '../../edge/src/license/title-keys.ts';

export { StreamLimiter };

interface BenchEnv {
  STREAM_LIMITER: DurableObjectNamespace<StreamLimiter>;
}

const TERMS: LeaseTerms = { limit: 4, policy: 'refuse-new', ttlSeconds: 120, graceSeconds: 30 };

// A title's keys wrapped under a KEK, as the edge receives them in the catalogue entry.
const KEK = KeyEncryptionKey.fromBase64(btoa('k'.repeat(32)));
const adapter = new ClearKeyAdapter();
const titleKeys = new TitleKeys(KEK);
let wrapped: Promise<WrappedContentKey[]> | undefined;
const titleWrapped = () => (wrapped ??= Promise.all(generateContentKeys(['AUDIO', 'SD', 'HD']).map((key) => KEK.wrap(key))));

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const op = url.searchParams.get('op');
    const account = url.searchParams.get('acct') ?? 'a';
    if (op === 'ping') return new Response('ok');
    const stub = env.STREAM_LIMITER.get(env.STREAM_LIMITER.idFromName(account));
    if (op === 'acquire') return Response.json(await stub.acquire(`sid-${account}`, 'tv', 'demo', TERMS));
    if (op === 'heartbeat') return Response.json(await stub.heartbeat(`sid-${account}`, TERMS));
    if (op === 'read') return Response.json({ limit: (await stub.limitOverride()) ?? null });
    if (op === 'license' || op === 'unwrap') {
      const keys = await titleWrapped();
      if (op === 'unwrap') {
        // Baseline: one bare WebCrypto AES-KW unwrap, no cache, no lease.
        const key = await KEK.unwrap(keys[1]!);
        return Response.json({ kid: key.kid });
      }
      // What the licence route does once the session token and catalogue entry are cached in the
      // isolate: read the ClearKey request, check each KID and tier, renew the lease (one RPC to the
      // account's object), unwrap (per-isolate cache) and write the JWK set.
      const body = new TextEncoder().encode(JSON.stringify({ kids: [uuidToClearKeyKid(keys[1]!.kid), uuidToClearKeyKid(keys[0]!.kid)], type: 'temporary' }));
      const kids = adapter.readChallenge(body).kids!;
      const granted = kids.map((kid) => {
        const key = keys.find((k) => k.kid === kid);
        if (!key || !tierAllowed(key.tier, 576)) throw new Error(`kid ${kid} not grantable`);
        return key;
      });
      const lease = await stub.heartbeat(`sid-${account}`, TERMS);
      if (!lease.alive) return new Response(`lease ${lease.reason}`, { status: 409 });
      const answer = await adapter.issue(body, { sessionId: `sid-${account}`, account, titleId: 'demo', keys: await Promise.all(granted.map((k) => titleKeys.unwrap(k))), expiresAt: Date.now() + 150_000 });
      return new Response(answer.body, { headers: { 'content-type': answer.contentType } });
    }
    return new Response(`op: expected ping, acquire, heartbeat, read, license or unwrap, received ${op}`, { status: 400 });
  },
};
