import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startMockAdServer, type MockAdServer } from '../../scripts/lib/mock-ad-server.ts';

/** The local ad decision server (a party outside the product) for the ad-insertion tests in workerd. */
let server: MockAdServer | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'cascade-mock-ads-'));
  server = await startMockAdServer({ mediaDir: dir });
  project.provide('mockAdServerUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    mockAdServerUrl: string;
  }
}
