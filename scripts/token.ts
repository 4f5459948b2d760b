// npm run token -- --sub ID [--plan basic|standard|premium] [--role viewer|operator] [--ttl SECONDS]
// Prints one viewer JWT signed with the local development key, and nothing else, on stdout.
import { parseArgs } from 'node:util';
import { ensureDevIdentity, signViewerToken, type TokenRequest } from './lib/dev-identity.ts';

const USAGE = 'usage: npm run token -- --sub ID [--plan basic|standard|premium] [--role viewer|operator] [--ttl SECONDS]';

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
  return { sub, plan, role, ttlSeconds };
}

const request = parseRequest(process.argv.slice(2));
const identity = await ensureDevIdentity();
process.stdout.write(`${await signViewerToken(identity, request)}\n`);
