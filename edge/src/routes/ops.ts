import { ProblemError } from '@cascade/common';
import { Hono } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { requireRole, viewerAuth, type ViewerVariables } from '../auth/viewer-auth.ts';
import type { Env } from '../env.ts';
import { streamView } from '../streams/stream-leases.ts';
import { registerSteeringOps } from './ops-steering.ts';
import { checkRevoke, REVOCATION_KINDS, type RevocationKind, type RevokeRequest } from '../revocation/revocation-list.ts';

const MAX_BODY_BYTES = 4096;
const ACCOUNT = /^[\x21-\x7e]{1,256}$/;
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function accountParam(raw: string): string {
  if (!ACCOUNT.test(raw)) throw new ProblemError('bad-request', `account: expected 1..256 visible ASCII characters, received ${JSON.stringify(raw.slice(0, 80))}`);
  return raw;
}

async function jsonBody(text: string): Promise<unknown> {
  if (text.length > MAX_BODY_BYTES) throw new ProblemError('bad-request', `body: expected at most ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProblemError('bad-request', `body: expected JSON, ${(error as Error).message}`);
  }
}

/** The global RevocationList instance; a fresh stub per request (stubs are bound to their request). */
export function revocationList(env: Env) {
  const namespace = env.REVOCATIONS;
  if (!namespace) throw new ProblemError('config-invalid', 'REVOCATIONS: expected a Durable Object binding to RevocationList, received none');
  return namespace.get(namespace.idFromName('global'));
}

/**
 * `/v1/ops/revocations` (operator JWT, `role: operator`): revoke a play session or an account,
 * list what is revoked, lift a revocation. The isolate that writes re-reads the list at once and hands
 * its PoP the new snapshot; every other isolate sees the change within the bound in README "Revocation".
 * `/v1/ops/accounts/{acct}/streams…`: list an account's streams, end one, set its stream limit.
 */
export function opsRoutes(services: AccessServices): Hono<{ Bindings: Env; Variables: ViewerVariables }> {
  const app = new Hono<{ Bindings: Env; Variables: ViewerVariables }>();
  app.use('*', viewerAuth(services.viewerAuth), requireRole('operator'));

  app.post('/revocations', async (c) => {
    const text = await c.req.text();
    if (text.length > MAX_BODY_BYTES) throw new ProblemError('bad-request', `body: expected at most ${MAX_BODY_BYTES} bytes`);
    let body: RevokeRequest;
    try {
      body = JSON.parse(text) as RevokeRequest;
      checkRevoke(body);
    } catch (error) {
      throw new ProblemError('bad-request', error instanceof SyntaxError ? `body: expected JSON, ${error.message}` : (error as Error).message);
    }
    const request: RevokeRequest = { kind: body.kind, id: body.id };
    if (body.reason !== undefined) request.reason = body.reason;
    if (body.ttlSeconds !== undefined) request.ttlSeconds = body.ttlSeconds;
    const revocation = await revocationList(c.env).revoke(request);
    await services.revocations.invalidate();
    return c.json(revocation, 201, { 'cache-control': 'no-store' });
  });

  app.get('/revocations', async (c) => c.json({ revocations: await revocationList(c.env).list() }, 200, { 'cache-control': 'no-store' }));

  app.delete('/revocations/:kind/:id', async (c) => {
    const kind = c.req.param('kind');
    if (!(REVOCATION_KINDS as readonly string[]).includes(kind)) throw new ProblemError('bad-request', `kind: expected "session" or "account", received ${JSON.stringify(kind)}`);
    const removed = await revocationList(c.env).remove(kind as RevocationKind, c.req.param('id'));
    if (!removed) throw new ProblemError('not-found', `no ${kind} revocation for that id`);
    await services.revocations.invalidate();
    return c.body(null, 204);
  });

  // Concurrent streams of one account (README "Concurrent streams").
  app.get('/accounts/:acct/streams', async (c) => {
    const account = accountParam(c.req.param('acct'));
    const limiter = services.streams.limiter(account);
    const [streams, limitOverride] = await Promise.all([limiter.list(), limiter.limitOverride()]);
    return c.json({ account, limitOverride: limitOverride ?? null, streams: streams.map(streamView) }, 200, { 'cache-control': 'no-store' });
  });

  app.delete('/accounts/:acct/streams/:sid', async (c) => {
    const account = accountParam(c.req.param('acct'));
    const sid = c.req.param('sid');
    if (!SESSION_ID.test(sid)) throw new ProblemError('bad-request', `sid: expected a session id, received ${JSON.stringify(sid.slice(0, 80))}`);
    if (!(await services.streams.end(account, sid))) throw new ProblemError('not-found', `account ${account} has no live stream ${sid}`);
    return c.body(null, 204);
  });

  app.put('/accounts/:acct/stream-limit', async (c) => {
    const account = accountParam(c.req.param('acct'));
    const body = await jsonBody(await c.req.text());
    const limit = (body as { limit?: unknown } | null)?.limit;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((k) => k !== 'limit') ||
      !(limit === null || (Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= 100))) {
      throw new ProblemError('bad-request', `body: expected {"limit": integer 1..100 or null (back to the plan's limit)}, received ${JSON.stringify(body)?.slice(0, 80)}`);
    }
    await services.streams.limiter(account).setLimitOverride(limit as number | null);
    return c.json({ account, limitOverride: limit }, 200, { 'cache-control': 'no-store' });
  });

  // Multi-CDN steering (README "Multi-CDN steering").
  registerSteeringOps(app, services);
  return app;
}
