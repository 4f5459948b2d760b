// npm start: origin, shield and edge on one machine, with sample content; Ctrl-C stops all three.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureDevIdentity, signViewerToken } from './lib/dev-identity.ts';
import { humanLogLine } from './lib/human-log-line.ts';
import { repoRoot } from './lib/repo-root.ts';
import { startStack, type RunningStack, type Tier } from './lib/stack.ts';
import { adServerVars } from './lib/ad-server-vars.ts';
import { startMockAdServer } from './lib/mock-ad-server.ts';
import { loadConfig } from '../origin/src/config.ts';
import { resolveFfmpegPaths } from '../origin/src/ffmpeg-path.ts';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    process.stderr.write(`start: ${name} must be a port number 1..65535, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

const ports = { origin: port('ORIGIN_PORT', 8081), shield: port('SHIELD_PORT', 8082), edge: port('EDGE_PORT', 8787) };
const started = Date.now();
const colours: Record<Tier, string> = { origin: '\x1b[33m', shield: '\x1b[36m', edge: '\x1b[35m' };
const tty = process.stdout.isTTY;

function show(tier: Tier, line: string): void {
  const label = tty ? `${colours[tier]}${tier.padEnd(6)}\x1b[0m` : tier.padEnd(6);
  process.stdout.write(`${label} | ${humanLogLine(line)}\n`);
}

execFileSync(process.execPath, [join(repoRoot, 'scripts', 'copy-player-vendor.mjs')]);
const identity = await ensureDevIdentity();
process.stdout.write('Starting origin, shield and edge. The first start makes the sample title "demo" with ffmpeg (about a minute).\n');

// The ad decision server is a party outside the product; locally a mock stands in for it (README "Ad insertion").
const adServer = await startMockAdServer({
  port: port('MOCK_AD_SERVER_PORT', 8090),
  mediaDir: join(repoRoot, '.cache', 'mock-ads'),
  ffmpegPath: resolveFfmpegPaths(loadConfig(process.env)).ffmpeg.path,
});

let stack: RunningStack;
try {
  stack = await startStack({
    ports,
    secrets: identity.serviceSecrets,
    onLine: show,
    edgeVars: adServerVars(adServer.url, `http://127.0.0.1:${ports.origin}`, identity.serviceSecrets.originApiToken),
  });
} catch (error) {
  process.stderr.write(`start: ${(error as Error).message}\n`);
  process.exit(1);
}

const demoToken = await signViewerToken(identity, { sub: 'demo-viewer', plan: 'premium', role: 'viewer', ttlSeconds: 12 * 3600 });
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stdout.write(`
Ready in ${seconds} s.
  edge    ${stack.urls.edge}   (players and operators)
  shield  ${stack.urls.shield}
  origin  ${stack.urls.origin}
  ads     ${adServer.url}   (local mock ad decision server; titles ssai-*, vmap-*, hlsi-* get ads)

  Demo player (hls.js + Shaka, token valid 12 h):
    ${stack.urls.edge}/demo?token=${demoToken}
  HLS:  ${stack.urls.edge}/v1/play/demo/master.m3u8?token=<JWT>
  DASH: ${stack.urls.edge}/v1/play/demo/manifest.mpd?token=<JWT>

  Live channel live-demo (synthetic, wall clock burnt in; ORIGIN_LIVE_DEMO=off|light|standard):
    ${stack.urls.edge}/demo?title=live-demo&token=${demoToken}
  Place an ad break: see README "Live channels" (POST ${stack.urls.origin}/api/v1/channels/live-demo/breaks)
  A token: npm run token -- --sub you --plan premium

Ctrl-C stops all three.
`);

let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    process.stdout.write('\nStopping…\n');
    await stack.stop();
    await adServer.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
const { tier, code, signal } = await stack.exited;
process.stderr.write(`start: ${tier} exited (${signal ?? `code ${code}`}); stopping the others\n`);
await shutdown(1);
