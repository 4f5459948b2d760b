// The worker the limiter benchmark runs in workerd: it exports the real StreamLimiter and makes one RPC
// to one account's object per request. (Timing inside workerd does not work: its clock does not advance
// across an RPC to an object in the same process, so the benchmark times requests from Node.)
import type { LeaseTerms } from '../src/stream-limiter.ts';
import { StreamLimiter } from '../src/stream-limiter.ts';

export { StreamLimiter };

interface BenchEnv {
  STREAM_LIMITER: DurableObjectNamespace<StreamLimiter>;
}

const TERMS: LeaseTerms = { limit: 4, policy: 'refuse-new', ttlSeconds: 120, graceSeconds: 30 };

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
    return new Response(`op: expected ping, acquire, heartbeat or read, received ${op}`, { status: 400 });
  },
};
