// npm run token -- --sub ID [--plan basic|standard|premium] [--role viewer|operator] [--ttl SECONDS]
//   [--acct ID] [--max-height PIXELS] [--ad-tier ad-supported|ad-free] [--titles a,b] [--packages p,q]
// Prints one viewer JWT signed with the local development key, and nothing else, on stdout.
import { parseArgs } from 'node:util';
import { ensureDevIdentity, signViewerToken, type TokenRequest } from './lib/dev-identity.ts';

const USAGE =
  'usage: npm run token -- --sub ID [--plan basic|standard|premium] [--role viewer|operator] [--ttl SECONDS]\n' +
  '         [--acct ID] [--max-height PIXELS] [--ad-tier ad-supported|ad-free] [--titles ID,…] [--packages ID,…]';
const ID_LIST = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(,[A-Za-z0-9][A-Za-z0-9._-]{0,63})*$/;

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseRequest(argv: string[]): TokenRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sub: { type: 'string' },
        plan: { type: 'string', default: 'standard' },
        role: { type: 'string', default: 'viewer' },
        ttl: { type: 'string', default: '3600' },
        acct: { type: 'string' },
        'max-height': { type: 'string' },
        'ad-tier': { type: 'string' },
        titles: { type: 'string' },
        packages: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const sub = values.sub;
  if (!sub || sub.length > 256) fail('--sub is required (1..256 characters)');
  const plan = values.plan;
  if (plan !== 'basic' && plan !== 'standard' && plan !== 'premium') fail(`--plan must be basic, standard or premium, got ${JSON.stringify(plan)}`);
  const role = values.role;
  if (role !== 'viewer' && role !== 'operator') fail(`--role must be viewer or operator, got ${JSON.stringify(role)}`);
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 30 * 24 * 3600) fail(`--ttl must be whole seconds in 1..2592000, got ${JSON.stringify(values.ttl)}`);
  const request: TokenRequest = { sub, plan, role, ttlSeconds };
  if (values.acct !== undefined) {
    if (values.acct.length === 0 || values.acct.length > 256) fail('--acct must be 1..256 characters');
    request.acct = values.acct;
  }
  if (values['max-height'] !== undefined) {
    const maxHeight = Number(values['max-height']);
    if (!Number.isInteger(maxHeight) || maxHeight < 144 || maxHeight > 4320) fail(`--max-height must be whole pixels in 144..4320, got ${JSON.stringify(values['max-height'])}`);
    request.maxHeight = maxHeight;
  }
  if (values['ad-tier'] !== undefined) {
    const adTier = values['ad-tier'];
    if (adTier !== 'ad-supported' && adTier !== 'ad-free') fail(`--ad-tier must be ad-supported or ad-free, got ${JSON.stringify(adTier)}`);
    request.adTier = adTier;
  }
  for (const name of ['titles', 'packages'] as const) {
    const raw = values[name];
    if (raw === undefined) continue;
    if (!ID_LIST.test(raw)) fail(`--${name} must be comma-separated ids, got ${JSON.stringify(raw)}`);
    request[name] = raw.split(',');
  }
  return request;
}

const request = parseRequest(process.argv.slice(2));
const identity = await ensureDevIdentity();
process.stdout.write(`${await signViewerToken(identity, request)}\n`);
