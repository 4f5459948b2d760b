import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NGINX_BIN = '/usr/sbin/nginx';

/**
 * nginx as the reference mid-tier cache, configured the way a media shield is usually configured:
 * one worker, `proxy_cache` keyed on the path only (tokens never split it), `proxy_cache_lock on`
 * (collapsing), stale answers on origin errors, background updates, upstream keep-alive, sendfile.
 * Everything lives under `dir` (its own prefix, temp paths, cache, pid and logs); loopback only.
 */
export function nginxConfig(dir: string, port: number, originUrl: string): string {
  const origin = new URL(originUrl);
  return `
worker_processes 1;
worker_rlimit_nofile 16384;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=media:32m max_size=2g inactive=1h use_temp_path=off;
  upstream origin {
    server ${origin.hostname}:${origin.port};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache media;
      proxy_cache_key $uri;
      proxy_cache_lock on;
      proxy_cache_revalidate on;
      proxy_cache_background_update on;
      proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
      proxy_cache_valid 404 2s;
      proxy_buffers 64 16k;
      add_header X-Cache $upstream_cache_status;
    }
  }
}
`;
}

export interface RunningNginx {
  url: string;
  close(): Promise<void>;
}

export async function startNginx(dir: string, port: number, originUrl: string): Promise<RunningNginx> {
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, originUrl));
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitListening(url, child, () => stderr);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

export async function waitListening(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited (${child.exitCode}): ${stderr()}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not start listening: ${stderr()}`);
}
