import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDevIdentity } from '../../scripts/lib/dev-identity.ts';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { startStack, type RunningStack } from '../../scripts/lib/stack.ts';
import { freePort } from './free-port.ts';

/**
 * The whole stack, exactly as `npm start` runs it (same launcher, same wrangler dev, same
 * development identity), on free ports. The origin's media lives in .cache/ so a local rerun skips
 * making the sample again; CI starts from a clean clone and makes it once.
 */
let stack: RunningStack | undefined;
let stateDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const identity = await ensureDevIdentity();
  const logDir = join(repoRoot, '.cache', 'e2e');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'stack.log');
  writeFileSync(logFile, '');
  stateDir = mkdtempSync(join(tmpdir(), 'cascade-e2e-edge-'));
  const ports = { origin: await freePort(), shield: await freePort(), edge: await freePort() };
  try {
    stack = await startStack({
      ports,
      secrets: identity.serviceSecrets,
      originDataDir: join(repoRoot, '.cache', 'e2e-origin'),
      edgeStateDir: stateDir,
      // The suites open many sessions per test account within a lease's life (the stream limiter's own
      // tests run in workerd, edge/test/streams.test.ts); the default 4 premium streams would refuse them.
      edgeVars: { STREAM_LIMITS: 'basic:100,standard:100,premium:100' },
      // live-demo runs during the whole suite: the light ladder keeps it from crowding the other tests.
      env: { ORIGIN_LIVE_DEMO: 'light' },
      onLine: (tier, line) => appendFileSync(logFile, `${tier} | ${line}\n`),
    });
  } catch (error) {
    throw new Error(`the stack did not start: ${(error as Error).message}; see ${logFile}`);
  }
  project.provide('stack', stack.urls);
  project.provide('serviceSecrets', identity.serviceSecrets);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { origin: string; shield: string; edge: string };
    /** The development identity's service secrets: the origin API token and the shield secret. */
    serviceSecrets: { originApiToken: string; shieldSecret: string };
  }
}
