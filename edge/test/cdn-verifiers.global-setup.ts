import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, createVerify } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import EdgeAuth from 'akamai-edgeauth';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../test/e2e/free-port.ts';
import { resolveFfmpegPaths } from '../../origin/src/ffmpeg-path.ts';

/**
 * Verifiers this project did not write, for the edge's CDN token formats (edge/src/cdn-tokens):
 *  - a real nginx (`/usr/sbin/nginx`, Debian nginx-light) with `secure_link`, protecting a path
 *    prefix and serving a CMAF segment made with ffmpeg here;
 *  - Akamai's EdgeAuth library (npm `akamai-edgeauth`) and AWS's CloudFront signer
 *    (`@aws-sdk/cloudfront-signer`) plus node:crypto's RSA-SHA1 verify, behind a small HTTP service
 *    the workerd tests call, since those libraries run on Node only.
 */
export const NGINX_SECRET = 'nginx-secure-link-test-secret';

let nginx: ChildProcess | undefined;
let verifier: Server | undefined;
let workDir: string | undefined;

async function makeSegment(file: string): Promise<void> {
  const tools = resolveFfmpegPaths({ ffmpegPath: process.env['FFMPEG_PATH'], ffprobePath: process.env['FFPROBE_PATH'], searchPath: process.env['PATH'] ?? '' });
  await promisify(execFile)(tools.ffmpeg.path, [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25', '-t', '1',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-y', file,
  ]);
}

function nginxConfig(root: string, port: number): string {
  // The token travels in the path (/t/{md5}/{expires}/{scope}{file}) so relative segment URIs keep it,
  // and the hash covers the title's prefix, so one token serves the whole session.
  return `daemon off;
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${root}/tmp;
  proxy_temp_path ${root}/tmp;
  fastcgi_temp_path ${root}/tmp;
  uwsgi_temp_path ${root}/tmp;
  scgi_temp_path ${root}/tmp;
  types { video/iso.segment m4s; }
  server {
    listen 127.0.0.1:${port};
    root ${root}/media;
    location ~ ^/t/(?<st_md5>[A-Za-z0-9_-]+)/(?<st_expires>[0-9]+)/(?<st_scope>(vod|live)/[A-Za-z0-9._-]+/)(?<st_file>[A-Za-z0-9._-]+)$ {
      secure_link $st_md5,$st_expires;
      secure_link_md5 "$secure_link_expires/$st_scope ${NGINX_SECRET}";
      if ($secure_link = "") { return 403; }
      if ($secure_link = "0") { return 410; }
      rewrite ^ /$st_scope$st_file break;
    }
    location / { return 404; }
  }
}
`;
}

async function startNginx(): Promise<string> {
  workDir = await mkdtemp(join(tmpdir(), 'edge-nginx-'));
  // nginx's workers drop root privileges (to nobody/www-data): they must be able to read the media.
  await chmod(workDir, 0o755);
  await mkdir(join(workDir, 'media', 'vod', 'demo'), { recursive: true });
  await mkdir(join(workDir, 'tmp'));
  await makeSegment(join(workDir, 'media', 'vod', 'demo', 'seg-1.m4s'));
  const port = await freePort();
  await writeFile(join(workDir, 'nginx.conf'), nginxConfig(workDir, port));
  nginx = spawn('/usr/sbin/nginx', ['-p', workDir, '-c', join(workDir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${stderr}`);
    try {
      await fetch(`${url}/`);
      return url;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nginx did not start: ${stderr}`);
}

async function startVerifier(publicKeyPem: string): Promise<string> {
  verifier = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text || '{}') as unknown;
    const reply = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    try {
      if (req.url === '/akamai') {
        const { keyHex, acl, startTime, endTime, sessionId } = body as { keyHex: string; acl: string; startTime?: number; endTime: number; sessionId?: string };
        const auth = new EdgeAuth({ key: keyHex, startTime, endTime, sessionId, algorithm: 'SHA256' });
        return reply({ token: auth.generateACLToken(acl) });
      }
      if (req.url === '/cloudfront/sign') {
        const { url, keyPairId, privateKeyPem, dateLessThan, policy } = body as { url: string; keyPairId: string; privateKeyPem: string; dateLessThan?: number; policy?: string };
        const signed = policy
          ? getSignedUrl({ url, keyPairId, privateKey: privateKeyPem, policy })
          : getSignedUrl({ url, keyPairId, privateKey: privateKeyPem, dateLessThan: new Date(dateLessThan! * 1000).toISOString() });
        return reply({ url: signed });
      }
      if (req.url === '/cloudfront/verify') {
        const { policy, signature } = body as { policy: string; signature: string };
        const standard = signature.replaceAll('-', '+').replaceAll('_', '=').replaceAll('~', '/');
        const valid = createVerify('RSA-SHA1').update(policy).verify(publicKeyPem, standard, 'base64');
        return reply({ valid });
      }
      res.writeHead(404).end();
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(error) }));
    }
  });
  await new Promise<void>((resolve) => verifier!.listen(0, '127.0.0.1', resolve));
  const address = verifier.address();
  if (address === null || typeof address === 'string') throw new Error('verifier did not bind');
  return `http://127.0.0.1:${address.port}`;
}

export async function setup(project: TestProject): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  project.provide('cdnVerifiers', {
    nginxUrl: await startNginx(),
    verifierUrl: await startVerifier(publicKeyPem),
    rsaPrivateKeyPem: privateKeyPem,
    nginxSecret: NGINX_SECRET,
  });
}

export async function teardown(): Promise<void> {
  nginx?.kill('SIGTERM');
  if (nginx && nginx.exitCode === null) await new Promise((resolve) => nginx!.once('exit', resolve));
  verifier?.closeAllConnections();
  await new Promise<void>((resolve) => verifier?.close(() => resolve()) ?? resolve());
  if (workDir) await rm(workDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    cdnVerifiers: { nginxUrl: string; verifierUrl: string; rsaPrivateKeyPem: string; nginxSecret: string };
  }
}
