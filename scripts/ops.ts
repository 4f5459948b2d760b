// npm run ops -- [--edge URL] [--token JWT] cdn list|drain ID|restore ID|down ID|weight ID N|region CC IDS|surge BPS|audit [N]
// Calls the edge's ops API (/v1/ops/cdn/…) with an operator JWT and prints the JSON answer.
import { parseArgs } from 'node:util';
import { ensureDevIdentity, signViewerToken } from './lib/dev-identity.ts';
import { OPS_USAGE, opsRequest, type OpsRequest } from './lib/ops-request.ts';

function fail(message: string, code = 2): never {
  process.stderr.write(`ops: ${message}\n${code === 2 ? `${OPS_USAGE}\n` : ''}`);
  process.exit(code);
}

let values;
let positionals: string[];
try {
  ({ values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { edge: { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(`${OPS_USAGE}\n`);
  process.exit(0);
}
let request: OpsRequest;
try {
  request = opsRequest(positionals);
} catch (error) {
  fail((error as Error).message);
}
const edge = values.edge ?? process.env['EDGE_URL'] ?? 'http://127.0.0.1:8787';
let base: URL;
try {
  base = new URL('/v1/ops', edge);
} catch {
  fail(`--edge: expected an absolute URL, received ${JSON.stringify(edge)}`);
}
const token =
  values.token ?? process.env['OPS_TOKEN'] ?? (await signViewerToken(await ensureDevIdentity(), { sub: `cli-${process.env['USER'] ?? 'operator'}`, plan: 'premium', role: 'operator', ttlSeconds: 300 }));
let response: Response;
try {
  response = await fetch(`${base.href}${request.path}`, {
    method: request.method,
    headers: { authorization: `Bearer ${token}`, ...(request.body !== undefined && { 'content-type': 'application/json' }) },
    ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
  });
} catch (error) {
  fail(`the edge at ${edge} could not be reached: ${(error as Error).message}`, 1);
}
const text = await response.text();
let shown = text;
try {
  shown = JSON.stringify(JSON.parse(text), null, 2);
} catch {
  // not JSON: print as it came
}
if (!response.ok) fail(`${response.status}: ${shown}`, 1);
process.stdout.write(`${shown}\n`);
