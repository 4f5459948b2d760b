import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ServiceSecrets } from './dev-identity.ts';
import { repoRoot } from './repo-root.ts';
import { wranglerBin } from './wrangler-bin.ts';

export type Tier = 'origin' | 'shield' | 'edge';

export interface StackOptions {
  ports: Record<Tier, number>;
  /** Where the origin keeps its media (sample content is made there on first start). */
  originDataDir?: string;
  /** Where wrangler dev keeps local Worker state (Cache API, Durable Objects). */
  edgeStateDir?: string;
  /** Secrets the tiers share (from the development identity). */
  secrets: ServiceSecrets;
  /** Extra Worker vars for the edge (`wrangler dev --var NAME:value`), over wrangler.toml's. */
  edgeVars?: Record<string, string>;
  /** Extra environment for every tier (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** One call per line a tier prints. */
  onLine?: (tier: Tier, line: string) => void;
  /** How long the origin may take to become healthy (it makes the sample content first). */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  urls: Record<Tier, string>;
  /** Resolves when any tier exits on its own, with which one and how. */
  exited: Promise<{ tier: Tier; code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

function command(tier: Tier, options: StackOptions): string[] {
  const node = process.execPath;
  switch (tier) {
    case 'origin':
      return [node, join(repoRoot, 'origin', 'src', 'main.ts')];
    case 'shield':
      return [node, join(repoRoot, 'shield', 'src', 'main.ts')];
    case 'edge':
      return [
        node, wranglerBin(), 'dev',
        '--config', join(repoRoot, 'wrangler.toml'),
        '--ip', '127.0.0.1', '--port', String(options.ports.edge),
        '--var', `SHIELD_URL:http://127.0.0.1:${options.ports.shield}`,
        '--persist-to', options.edgeStateDir ?? join(repoRoot, '.wrangler', 'state'),
        '--show-interactive-dev-session=false',
        '--inspector-port', '0',
        ...Object.entries(options.edgeVars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
      ];
  }
}

function tierEnv(tier: Tier, options: StackOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (tier === 'origin') {
    env['ORIGIN_PORT'] = String(options.ports.origin);
    if (options.originDataDir) env['ORIGIN_DATA_DIR'] = options.originDataDir;
    env['ORIGIN_API_TOKENS'] = options.secrets.originApiToken;
    // The sample title is encrypted under keys wrapped with it (README "Licensing").
    env['CONTENT_KEK'] = options.secrets.contentKek;
  }
  if (tier === 'shield') {
    env['SHIELD_PORT'] = String(options.ports.shield);
    env['ORIGIN_URL'] = `http://127.0.0.1:${options.ports.origin}`;
    env['SHIELD_AUTH_SECRETS'] = options.secrets.shieldSecret;
  }
  if (tier === 'edge') {
    // wrangler must not try to phone home from a closed network.
    env['WRANGLER_SEND_METRICS'] = 'false';
    env['CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV'] = 'false';
  }
  return env;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${url} exited before it was healthy`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url}/healthz did not answer 200 within ${Math.round(timeoutMs / 1000)} s`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: wrangler's workerd too
  } catch {
    // already gone
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/** Start origin, shield and edge, and resolve once every one answers GET /healthz with 200. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const tiers: Tier[] = ['origin', 'shield', 'edge'];
  const children = new Map<Tier, ChildProcess>();
  let stopping = false;
  let notifyExit: (value: { tier: Tier; code: number | null; signal: NodeJS.Signals | null }) => void = () => {};
  const exited = new Promise<{ tier: Tier; code: number | null; signal: NodeJS.Signals | null }>((resolve) => (notifyExit = resolve));

  for (const tier of tiers) {
    const [file, ...args] = command(tier, options);
    const child = spawn(file!, args, { cwd: repoRoot, env: tierEnv(tier, options), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.set(tier, child);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => options.onLine?.(tier, line));
    }
    child.once('exit', (code, signal) => {
      if (!stopping) notifyExit({ tier, code, signal });
    });
  }

  const stop = async () => {
    stopping = true;
    await Promise.all([...children.values()].map(stopChild));
  };
  const urls = Object.fromEntries(tiers.map((tier) => [tier, `http://127.0.0.1:${options.ports[tier]}`])) as Record<Tier, string>;
  try {
    const timeout = options.readyTimeoutMs ?? 10 * 60_000;
    await Promise.all(tiers.map((tier) => waitHealthy(urls[tier], children.get(tier)!, timeout)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, exited, stop };
}
