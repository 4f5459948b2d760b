// npm run ingest -- FILE --title ID [--name NAME] [--encryption none|cenc|cbcs|aes-128] [--origin URL] [--token TOKEN] [--resumable] [--no-wait]
// Uploads a media file to the origin's operator API, shows upload and transcode progress on stderr,
// and prints the finished job (JSON) on stdout. Exit 0 when the title is ready, 1 when the job
// failed (the reason is printed), 2 for bad arguments.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDevIdentity } from './lib/dev-identity.ts';
import { IngestProgress } from './lib/ingest-progress.ts';

const USAGE = 'usage: npm run ingest -- FILE --title ID [--name NAME] [--encryption none|cenc|cbcs|aes-128] [--origin URL] [--token TOKEN] [--resumable] [--no-wait]';
const TITLE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TUS_CHUNK_BYTES = 8 * 1024 * 1024;
const TUS_RETRIES = 5;

interface Job {
  id: string;
  state: string;
  progress: { percent: number };
  etaSeconds: number | null;
  error: { code: string; reason: string } | null;
  links: Record<string, string>;
}

function fail(message: string, code = 2): never {
  process.stderr.write(`ingest: ${message}\n${code === 2 ? `${USAGE}\n` : ''}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      name: { type: 'string' },
      encryption: { type: 'string' },
      origin: { type: 'string' },
      token: { type: 'string' },
      resumable: { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (positionals.length !== 1) fail('give exactly one FILE');
if (values.encryption !== undefined && !['none', 'cenc', 'cbcs', 'aes-128'].includes(values.encryption)) fail('--encryption: expected none, cenc, cbcs or aes-128');
if (values.encryption !== undefined && values.encryption !== 'none' && values.resumable) fail('--encryption works with plain uploads only (not --resumable yet)');
const file = positionals[0]!;
const title = values.title;
if (title === undefined || !TITLE_ID.test(title) || title.includes('..')) fail('--title is required: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters');
let size: number;
try {
  const stats = await stat(file);
  if (!stats.isFile()) fail(`${file} is not a regular file`);
  size = stats.size;
} catch (error) {
  fail(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
}
const originUrl = (values.origin ?? process.env['ORIGIN_URL'] ?? `http://127.0.0.1:${process.env['ORIGIN_PORT'] ?? '8081'}`).replace(/\/+$/, '');
try {
  const protocol = new URL(originUrl).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(protocol);
} catch {
  fail(`--origin must be an http(s) URL, got ${JSON.stringify(originUrl)}`);
}
const token = values.token ?? process.env['ORIGIN_API_TOKEN'] ?? (await ensureDevIdentity()).serviceSecrets.originApiToken;
const auth = { authorization: `Bearer ${token}` };
const progress = new IngestProgress(process.stderr);

async function problem(response: Response): Promise<never> {
  const text = await response.text();
  let detail = text;
  try {
    const body = JSON.parse(text) as { code?: string; detail?: string };
    detail = `${body.code}: ${body.detail}`;
  } catch {
    // not problem+json: print it as it came
  }
  progress.stop();
  fail(`the origin answered ${response.status}: ${detail}`, 1);
}

/** Plain streaming upload: one request, the file read from disk as it is sent. */
async function plainUpload(): Promise<string> {
  const query = new URLSearchParams({ title: title!, filename: basename(file) });
  if (values.name) query.set('name', values.name);
  if (values.encryption) query.set('encryption', values.encryption);
  let sent = 0;
  const stream = createReadStream(file);
  stream.on('data', (chunk) => {
    sent += chunk.length;
    progress.upload(sent, size);
  });
  const response = await fetch(`${originUrl}/api/v1/videos/upload?${query}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: stream as unknown as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (response.status !== 202) await problem(response);
  return ((await response.json()) as Job).id;
}

/** tus 1.0: create, then PATCH in chunks; after a network error ask the server for its offset and go on. */
async function resumableUpload(): Promise<string> {
  const tus = { ...auth, 'tus-resumable': '1.0.0' };
  const meta = Object.entries({ title: title!, filename: basename(file), ...(values.name ? { name: values.name } : {}) })
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
  const created = await fetch(`${originUrl}/api/v1/videos/tus`, { method: 'POST', headers: { ...tus, 'upload-length': String(size), 'upload-metadata': meta } });
  if (created.status !== 201) await problem(created);
  const location = new URL(created.headers.get('location')!, originUrl).href;
  const handle = await open(file);
  let offset = 0;
  let failures = 0;
  try {
    for (;;) {
      const length = Math.min(TUS_CHUNK_BYTES, size - offset);
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, offset);
      let response: Response;
      try {
        response = await fetch(location, { method: 'PATCH', headers: { ...tus, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, body: chunk });
      } catch (error) {
        if (++failures > TUS_RETRIES) fail(`upload failed ${failures} times: ${(error as Error).message}`, 1);
        await new Promise((r) => setTimeout(r, 500 * failures));
        const head = await fetch(location, { method: 'HEAD', headers: tus });
        offset = Number(head.headers.get('upload-offset') ?? offset);
        continue;
      }
      if (response.status !== 204) await problem(response);
      offset = Number(response.headers.get('upload-offset'));
      progress.upload(offset, size);
      if (offset >= size) {
        const job = response.headers.get('cascade-job');
        if (!job) fail('the origin did not name the job for the finished upload', 1);
        return job.split('/').pop()!;
      }
    }
  } finally {
    await handle.close();
  }
}

const jobId = values.resumable ? await resumableUpload() : await plainUpload();
progress.upload(size, size);
if (values['no-wait']) {
  progress.stop();
  process.stdout.write(`${JSON.stringify({ id: jobId, status: `${originUrl}/api/v1/videos/${jobId}` })}\n`);
  process.exit(0);
}

for (;;) {
  const response = await fetch(`${originUrl}/api/v1/videos/${jobId}`, { headers: auth });
  if (response.status !== 200) await problem(response);
  const job = (await response.json()) as Job;
  progress.job(job.state, job.progress.percent, job.etaSeconds);
  if (job.state === 'ready' || job.state === 'failed') {
    progress.stop();
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    if (job.state === 'failed') fail(`job ${job.id} failed: ${job.error?.code}: ${job.error?.reason}`, 1);
    process.stderr.write(`ingest: ${title} is ready: ${originUrl}${job.links['hls']} and ${originUrl}${job.links['dash']}\n`);
    process.exit(0);
  }
  await new Promise((r) => setTimeout(r, 500));
}
