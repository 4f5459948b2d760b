import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDevIdentity } from '../../scripts/lib/dev-identity.ts';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { startStack, type RunningStack } from '../../scripts/lib/stack.ts';
import { startMockAdServer, type MockAdServer } from '../../scripts/lib/mock-ad-server.ts';
import { adServerVars } from '../../scripts/lib/ad-server-vars.ts';
import { loadConfig } from '../../origin/src/config.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';
import { freePort } from './free-port.ts';

/**
 * The whole stack, exactly as `npm start` runs it (same launcher, same wrangler dev, same
 * development identity), on free ports. The origin's media lives in .cache/ so a local rerun skips
 * making the sample again; CI starts from a clean clone and makes it once.
 */
let stack: RunningStack | undefined;
let stateDir: string | undefined;
let adServer: MockAdServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  const identity = await ensureDevIdentity();
  const logDir = join(repoRoot, '.cache', 'e2e');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'stack.log');
  writeFileSync(logFile, '');
  stateDir = mkdtempSync(join(tmpdir(), 'cascade-e2e-edge-'));
  const ports = { origin: await freePort(), shield: await freePort(), edge: await freePort() };
  // The ad decision server is a party outside the product: a local mock, as in `npm start`.
  adServer = await startMockAdServer({ mediaDir: join(repoRoot, '.cache', 'mock-ads'), ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path });
  try {
    stack = await startStack({
      ports,
      secrets: identity.serviceSecrets,
      originDataDir: join(repoRoot, '.cache', 'e2e-origin'),
      edgeStateDir: stateDir,
      // The suites open many sessions per test account within a lease's life (the stream limiter's own
      // tests run in workerd, edge/test/streams.test.ts); the default 4 premium streams would refuse them.
      // Premium evicts the oldest stream at its limit, so the licensing browser test can show eviction
      // on an account whose limit an operator lowered (test/e2e/drm-playback.test.ts).
      edgeVars: {
        STREAM_LIMITS: 'basic:100,standard:100,premium:100',
        STREAM_POLICIES: 'premium:evict-oldest',
        ...adServerVars(adServer.url, `http://127.0.0.1:${ports.origin}`, identity.serviceSecrets.originApiToken),
      },
      // live-demo runs during the whole suite: the light ladder keeps it from crowding the other tests.
      env: { ORIGIN_LIVE_DEMO: 'light' },
      onLine: (tier, line) => appendFileSync(logFile, `${tier} | ${line}\n`),
    });
  } catch (error) {
    throw new Error(`the stack did not start: ${(error as Error).message}; see ${logFile}`);
  }
  project.provide('stack', stack.urls);
  project.provide('serviceSecrets', identity.serviceSecrets);
  project.provide('adServer', adServer.url);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  await adServer?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { origin: string; shield: string; edge: string };
    /** The development identity's service secrets: the origin API token and the shield secret. */
    serviceSecrets: { originApiToken: string; shieldSecret: string; contentKek: string };
    /** The local mock ad decision server (scripts/lib/mock-ad-server.ts). */
    adServer: string;
  }
}
