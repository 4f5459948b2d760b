// npm run k6:tokens -- [--count N] [--ttl SECONDS] [--out FILE] [--plan basic|standard|premium]
// Writes the viewer tokens the k6 scenarios read (TOKENS_FILE), signed with the local development key:
//   valid:   N tokens of N different accounts (so stream limits never refuse the legitimate crowd)
//   expired: N/10 tokens that expired two minutes ago (401 token-expired)
//   shared:  one basic-plan account's token, for the shared-token abuse case (429 past its limit)
// Against a deployed edge, write the same JSON shape from the platform's identity service instead.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureDevIdentity, signViewerToken } from '../../scripts/lib/dev-identity.ts';

const USAGE = 'usage: npm run k6:tokens -- [--count 1..1000000] [--ttl SECONDS] [--out FILE] [--plan basic|standard|premium]';

function fail(message: string): never {
  process.stderr.write(`k6:tokens: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      count: { type: 'string', default: '1000' },
      ttl: { type: 'string', default: '7200' },
      out: { type: 'string', default: 'k6/tokens.json' },
      plan: { type: 'string', default: 'premium' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
const count = Number(values.count);
const ttl = Number(values.ttl);
if (!Number.isInteger(count) || count < 1 || count > 1_000_000) fail(`--count: expected an integer from 1 to 1000000, received ${values.count}`);
if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400) fail(`--ttl: expected seconds from 60 to 86400, received ${values.ttl}`);
const plan = values.plan;
if (plan !== 'basic' && plan !== 'standard' && plan !== 'premium') fail(`--plan: expected basic, standard or premium, received ${plan}`);

const identity = await ensureDevIdentity();
const run = Date.now().toString(36);
const valid: string[] = [];
for (let i = 0; i < count; i++) valid.push(await signViewerToken(identity, { sub: `k6-${run}-${i}`, plan, role: 'viewer', ttlSeconds: ttl }));
const expired: string[] = [];
for (let i = 0; i < Math.max(1, Math.ceil(count / 10)); i++) {
  expired.push(await signViewerToken(identity, { sub: `k6-expired-${run}-${i}`, plan, role: 'viewer', ttlSeconds: -120 }));
}
const shared = [await signViewerToken(identity, { sub: `k6-shared-${run}`, plan: 'basic', role: 'viewer', ttlSeconds: ttl })];
writeFileSync(values.out, `${JSON.stringify({ valid, expired, shared })}\n`, { mode: 0o600 });
process.stderr.write(`k6:tokens: ${valid.length} valid, ${expired.length} expired, 1 shared → ${values.out}\n`);
