import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { parse as parseToml } from 'smol-toml';
import type { DevIdentity } from '../../scripts/lib/dev-identity.ts';
import { repoRoot } from '../../scripts/lib/repo-root.ts';

export interface RunningEdge {
  url: string;
  /** The workerd process serving it (for its CPU time). */
  workerdPid: number | undefined;
  dispose(): Promise<void>;
}

/**
 * The edge Worker on workerd through miniflare, without wrangler dev's proxy and per-request logging
 * (which top out near 1,200 trivial requests/s on this machine): bundled from edge/src/index.ts with
 * esbuild as wrangler would, wrangler.toml's development [vars] plus the development secrets, both
 * Durable Objects on SQLite, the Cache API on. Listens on loopback only.
 *
 * Viewers talk to a direct socket on the Worker (miniflare's `unsafeDirectSockets`), as they would to
 * workerd in production, not through miniflare's entry worker: that extra JavaScript hop per request
 * cost workerd 0.28–0.45 ms of CPU per request here (0.40 ms against 0.125 ms for a trivial answer),
 * more than most of the edge's own routes. The Cache API and the Durable Objects are miniflare's.
 */
export async function startEdgeOnMiniflare(options: { identity: DevIdentity; shieldUrl: string; port: number; vars?: Record<string, string>; inspectorPort?: number }): Promise<RunningEdge> {
  const toml = parseToml(readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8')) as { vars: Record<string, string>; compatibility_date: string };
  const bundled = await build({
    entryPoints: [join(repoRoot, 'edge', 'src', 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:workers', 'node:*'],
    write: false,
    logLevel: 'error',
  });
  const before = workerdPids();
  const mf = new Miniflare(convertV4MiniflareOptions({
    host: '127.0.0.1',
    port: 0,
    ...(options.inspectorPort !== undefined && { inspectorPort: options.inspectorPort }),
    workers: [{
      name: 'cascade-edge-bench',
      unsafeDirectSockets: [{ host: '127.0.0.1', port: options.port }],
      modules: true,
      script: bundled.outputFiles[0]!.text,
      compatibilityDate: toml.compatibility_date,
      bindings: {
        ...toml.vars,
        // /demo needs the ASSETS binding, which this bench does not serve.
        DEV_FEATURES: 'false',
        SHIELD_URL: options.shieldUrl,
        VIEWER_JWKS: JSON.stringify(options.identity.jwks),
        SESSION_TOKEN_KEYS: options.identity.sessionTokenKeys,
        SHIELD_AUTH_SECRET: options.identity.serviceSecrets.shieldSecret,
        ...options.vars,
      },
      durableObjects: {
        STREAM_LIMITER: { className: 'StreamLimiter', useSQLite: true },
        REVOCATIONS: { className: 'RevocationList', useSQLite: true },
      },
    }],
  } as Parameters<typeof convertV4MiniflareOptions>[0]));
  await mf.ready;
  const url = (await mf.unsafeGetDirectURL('cascade-edge-bench')).origin;
  const workerdPid = workerdPids().find((pid) => !before.includes(pid));
  return { url, workerdPid, dispose: () => mf.dispose() };
}

function workerdPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'workerd') pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}
