import { ProblemError } from '@cascade/common';
import type { Context, Hono } from 'hono';
import type { AccessServices } from '../access-services.ts';
import type { ViewerVariables } from '../auth/viewer-auth.ts';
import type { Env } from '../env.ts';
import { steeringControl } from '../steering/steering-control-stub.ts';
import { checkSteeringChange, pathwayViews, type SteeringChange, type SteeringState } from '../steering/steering-state.ts';

const MAX_BODY_BYTES = 4096;

type OpsContext = Context<{ Bindings: Env; Variables: ViewerVariables }>;

async function body(c: OpsContext, expected: string, allowed: readonly string[]): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new ProblemError('bad-request', `body: expected at most ${MAX_BODY_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ProblemError('bad-request', `body: expected JSON ${expected}, ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).some((k) => !allowed.includes(k))) {
    throw new ProblemError('bad-request', `body: expected ${expected}, received ${JSON.stringify(parsed)?.slice(0, 80)}`);
  }
  return parsed as Record<string, unknown>;
}

/** Traffic share per pathway: sessions seen on it (steering reloads, CMCD) over all, from the QoE aggregates. */
function trafficShares(state: SteeringState, ids: string[]): Record<string, number> {
  const sessions: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const [key, qoe] of Object.entries(state.qoe)) {
    const id = key.split('|')[0]!;
    if (id in sessions) sessions[id]! += qoe.sessions;
  }
  const total = Object.values(sessions).reduce((a, b) => a + b, 0);
  return Object.fromEntries(ids.map((id) => [id, total === 0 ? 0 : sessions[id]! / total]));
}

/**
 * `/v1/ops/cdn/…` (operator JWT): pathways with live health, traffic share and QoE; weights; drain and
 * restore; a country's pathway preference; the surge cap; the audit log. Every change is validated, goes
 * to the SteeringControl Durable Object (which records who, when, what, before and after) and reaches every
 * session within one steering TTL (isolates re-read the state at most every min(2 s, TTL)).
 */
export function registerSteeringOps(app: Hono<{ Bindings: Env; Variables: ViewerVariables }>, services: AccessServices): void {
  const { steering } = services;
  const ids = steering.config.pathways.map((p) => p.id);
  const noStore = { 'cache-control': 'no-store' };

  const apply = async (c: OpsContext, change: SteeringChange) => {
    try {
      checkSteeringChange(change, ids);
    } catch (error) {
      throw new ProblemError('bad-request', (error as Error).message);
    }
    // The control plane checks again: it is the one place every change goes through.
    const entry = await steeringControl(c.env).change(c.get('viewer').sub, change, ids);
    steering.invalidate();
    return c.json(entry, 200, noStore);
  };
  const pathwayParam = (c: OpsContext) => {
    const id = c.req.param('id') ?? '';
    if (!ids.includes(id)) throw new ProblemError('not-found', `no pathway ${JSON.stringify(id.slice(0, 40))}; configured: ${ids.join(', ') || 'none'}`);
    return id;
  };

  app.get('/cdn/pathways', async (c) => {
    const state = await steeringControl(c.env).state();
    const views = pathwayViews(steering.config, state);
    const shares = trafficShares(state, ids);
    const pathways = steering.config.pathways.map((p, i) => {
      const view = views[i]!;
      const qoe = Object.fromEntries(Object.entries(state.qoe).filter(([key]) => key.startsWith(`${p.id}|`)).map(([key, value]) => [key.split('|')[1]!, value]));
      return {
        id: p.id,
        baseUrl: p.baseUrl === 'self' ? 'self' : p.baseUrl.href,
        tokenFormat: p.tokenFormat,
        regions: p.regions,
        cost: p.cost,
        configured: { weight: p.weight, state: p.state },
        weight: view.weight,
        state: view.state,
        health: state.health[p.id] ?? { up: true, failures: 0, successes: 0, checkedAt: null, detail: 'not probed yet' },
        trafficShare: shares[p.id] ?? 0,
        qoe,
      };
    });
    return c.json({ ttlSeconds: steering.config.ttlSeconds, version: state.version, surgeCapBps: state.surgeCapBps ?? services.config.surgeCapBps ?? null, regions: state.regions, pathways }, 200, noStore);
  });

  app.put('/cdn/pathways/:id/weight', async (c) => {
    const pathway = pathwayParam(c);
    const { weight } = await body(c, '{"weight": integer 0..1000}', ['weight']);
    return apply(c, { kind: 'weight', pathway, weight: weight as number });
  });
  app.post('/cdn/pathways/:id/drain', (c) => apply(c, { kind: 'state', pathway: pathwayParam(c), state: 'draining' }));
  app.post('/cdn/pathways/:id/restore', (c) => apply(c, { kind: 'state', pathway: pathwayParam(c), state: 'active' }));
  app.post('/cdn/pathways/:id/down', (c) => apply(c, { kind: 'state', pathway: pathwayParam(c), state: 'down' }));

  app.put('/cdn/regions/:country', async (c) => {
    const { pathways } = await body(c, '{"pathways": [pathway ids in order] or null}', ['pathways']);
    return apply(c, { kind: 'region', country: c.req.param('country'), pathways: pathways as string[] | null });
  });
  app.put('/cdn/surge', async (c) => {
    const { capBps } = await body(c, '{"capBps": bits per second or null}', ['capBps']);
    return apply(c, { kind: 'surge', capBps: capBps as number | null });
  });

  app.get('/cdn/audit', async (c) => {
    const raw = c.req.query('limit') ?? '100';
    if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw new ProblemError('bad-request', `limit: expected an integer in 1..1000, received ${JSON.stringify(raw.slice(0, 20))}`);
    return c.json({ entries: await steeringControl(c.env).audit(Number(raw)) }, 200, noStore);
  });
}
