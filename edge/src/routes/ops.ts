import { ProblemError } from '@cascade/common';
import { Hono } from 'hono';
import type { AccessServices } from '../access-services.ts';
import { requireRole, viewerAuth, type ViewerVariables } from '../auth/viewer-auth.ts';
import type { Env } from '../env.ts';
import { checkRevoke, REVOCATION_KINDS, type RevocationKind, type RevokeRequest } from '../revocation/revocation-list.ts';

const MAX_BODY_BYTES = 4096;

/** The global RevocationList instance; a fresh stub per request (stubs are bound to their request). */
export function revocationList(env: Env) {
  const namespace = env.REVOCATIONS;
  if (!namespace) throw new ProblemError('config-invalid', 'REVOCATIONS: expected a Durable Object binding to RevocationList, received none');
  return namespace.get(namespace.idFromName('global'));
}

/**
 * `/v1/ops/revocations` (operator JWT, `role: operator`): revoke a play session or an account,
 * list what is revoked, lift a revocation. The isolate that writes drops its cached snapshot at once;
 * every other isolate sees the change within REVOCATION_CACHE_SECONDS.
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
    services.revocations.invalidate();
    return c.json(revocation, 201, { 'cache-control': 'no-store' });
  });

  app.get('/revocations', async (c) => c.json({ revocations: await revocationList(c.env).list() }, 200, { 'cache-control': 'no-store' }));

  app.delete('/revocations/:kind/:id', async (c) => {
    const kind = c.req.param('kind');
    if (!(REVOCATION_KINDS as readonly string[]).includes(kind)) throw new ProblemError('bad-request', `kind: expected "session" or "account", received ${JSON.stringify(kind)}`);
    const removed = await revocationList(c.env).remove(kind as RevocationKind, c.req.param('id'));
    if (!removed) throw new ProblemError('not-found', `no ${kind} revocation for that id`);
    services.revocations.invalidate();
    return c.body(null, 204);
  });
  return app;
}
