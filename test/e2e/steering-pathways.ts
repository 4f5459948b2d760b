import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/repo-root.ts';
import { wranglerBin } from '../../scripts/lib/wrangler-bin.ts';
import { freePort } from './free-port.ts';

/**
 * Pathway B of the steering tests: Debian's nginx (not our code) as a CDN in front of the shield, with
 * `secure_link` checking the token the edge mints (prefix form, README "CDN tokens"), `proxy_cache`, and
 * the shield's CDN secret added on every pull. One process (master_process off), so a SIGKILL takes the
 * whole CDN down at once, the way an outage looks to a player.
 */
export class NginxPathway {
  readonly port: number;
  readonly secret: string;
  readonly #root: string;
  readonly #shieldUrl: URL;
  readonly #shieldSecret: string;
  #process: ChildProcess | undefined;

  private constructor(root: string, port: number, secret: string, shieldUrl: string, shieldSecret: string) {
    this.#root = root;
    this.port = port;
    this.secret = secret;
    this.#shieldUrl = new URL(shieldUrl);
    this.#shieldSecret = shieldSecret;
  }

  static async create(shieldUrl: string, shieldSecret: string): Promise<NginxPathway> {
    const root = await mkdtemp(join(tmpdir(), 'steering-nginx-'));
    await chmod(root, 0o755);
    await mkdir(join(root, 'tmp'));
    await mkdir(join(root, 'cache'));
    return new NginxPathway(root, await freePort(), `nginx-pathway-secret-${Math.random().toString(36).slice(2)}`, shieldUrl, shieldSecret);
  }

  /**
   * By name, not by address: Shaka bans a failed pathway by host name (ContentSteeringManager), so two
   * pathways on one host name would ban each other; real CDNs have their own host names anyway.
   */
  get baseUrl(): string {
    return `http://localhost:${this.port}/t/`;
  }

  config(): string {
    const root = this.#root;
    return `daemon off;
master_process off;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${root}/tmp;
  proxy_temp_path ${root}/tmp;
  fastcgi_temp_path ${root}/tmp;
  uwsgi_temp_path ${root}/tmp;
  scgi_temp_path ${root}/tmp;
  proxy_cache_path ${root}/cache levels=1:2 keys_zone=media:10m max_size=512m inactive=10m use_temp_path=off;
  server {
    listen 127.0.0.1:${this.port};
    location ~ ^/t/(?<st_md5>[A-Za-z0-9_-]+)/(?<st_expires>[0-9]+)/(?<st_scope>(vod|live)/[A-Za-z0-9._-]+/)(?<st_file>[A-Za-z0-9._-]+)$ {
      secure_link $st_md5,$st_expires;
      secure_link_md5 "$secure_link_expires/$st_scope ${this.secret}";
      if ($secure_link = "") { return 403; }
      if ($secure_link = "0") { return 410; }
      add_header Access-Control-Allow-Origin "*" always;
      add_header X-Cache-Status $upstream_cache_status always;
      proxy_cache media;
      proxy_cache_key $st_scope$st_file;
      proxy_cache_valid 200 10m;
      proxy_cache_lock on;
      proxy_set_header x-cascade-shield-auth "${this.#shieldSecret}";
      proxy_set_header Host ${this.#shieldUrl.host};
      proxy_pass http://${this.#shieldUrl.host}/$st_scope$st_file;
    }
    location / { return 404; }
  }
}
`;
  }

  /** Starts nginx unless it is running (a second instance could not bind the port, and kill() would miss the first). */
  async start(): Promise<void> {
    const running = this.#process;
    if (running && running.exitCode === null && running.signalCode === null) return;
    await writeFile(join(this.#root, 'nginx.conf'), this.config());
    const child = spawn('/usr/sbin/nginx', ['-p', this.#root, '-c', join(this.#root, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#process = child;
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      try {
        await (await fetch(`http://127.0.0.1:${this.port}/`)).body?.cancel();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`nginx did not listen: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The outage: SIGKILL, nothing answers on the port afterwards. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  async dispose(): Promise<void> {
    await this.kill();
    await rm(this.#root, { recursive: true, force: true });
  }
}

/** A second edge (wrangler dev, its own Durable Object state) with steering configured, on the shared shield. */
export async function startSteeringEdge(shieldUrl: string, vars: Record<string, string>, onLine: (line: string) => void): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const state = await mkdtemp(join(tmpdir(), 'steering-edge-'));
  const child = spawn(
    process.execPath,
    [
      wranglerBin(), 'dev', '--config', join(repoRoot, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(port),
      '--var', `SHIELD_URL:${shieldUrl}`, '--persist-to', state, '--show-interactive-dev-session=false', '--inspector-port', '0',
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    { cwd: repoRoot, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: 'false' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await gone;
      clearTimeout(timer);
    }
    await rm(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the steering edge exited before it was healthy');
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return { url, stop };
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the steering edge did not become healthy in 120 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
