// node k6/bench/workerd-overhead.ts: what the local runtime costs per request, apart from the edge's
// own code (README "Measured local surge"). A trivial Worker on miniflare/workerd answers a 20 kB body
// plainly or from the Cache API, reached through miniflare's entry worker or on a direct socket, with
// Node's fetch or undici's request() as the client; prints workerd's and this process's CPU per request.
import { readFileSync, readdirSync } from 'node:fs';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { Agent, request } from 'undici';
import { cpuSeconds } from './proc-cpu.ts';

const workerdPids = () => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
  try {
    return readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'workerd';
  } catch {
    return false;
  }
}).map(Number);
const script = `export default { async fetch(req) {
  const u = new URL(req.url);
  if (u.pathname === '/plain') return new Response('x'.repeat(20000));
  const cache = await caches.open('media');
  const key = new Request(u.origin + '/__media/seg');
  const hit = await cache.match(key);
  if (hit) return hit;
  const r = new Response('x'.repeat(20000), { headers: { 'cache-control': 'max-age=600' } });
  await cache.put(key, r.clone());
  return r;
} }`;
const before = workerdPids();
const mf = new Miniflare(convertV4MiniflareOptions({
  host: '127.0.0.1', port: 0,
  workers: [{ name: 'overhead', modules: true, script, compatibilityDate: '2025-01-01', unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] }],
} as Parameters<typeof convertV4MiniflareOptions>[0]));
const entry = (await mf.ready).origin;
const direct = (await mf.unsafeGetDirectURL('overhead')).origin;
const pid = workerdPids().find((p) => !before.includes(p))!;
const agent = new Agent({ connections: 64, pipelining: 1 });
const N = 2000;
try {
  for (const client of ['fetch', 'undici'] as const) {
    for (const [via, base] of [['entry worker', entry], ['direct socket', direct]] as const) {
      for (const path of ['/plain', '/cache']) {
        const one = async () => {
          if (client === 'fetch') await (await fetch(base + path)).arrayBuffer();
          else for await (const _ of (await request(base + path, { dispatcher: agent })).body);
        };
        await one();
        await one();
        const c0 = cpuSeconds(pid)!;
        const l0 = process.cpuUsage();
        let next = 0;
        await Promise.all(Array.from({ length: 16 }, async () => {
          while (next++ < N) await one();
        }));
        const l = process.cpuUsage(l0);
        console.log(`${client.padEnd(6)} ${via.padEnd(13)} ${path.padEnd(6)} workerd ${(((cpuSeconds(pid)! - c0) * 1000) / N).toFixed(3)} ms/req  client ${((l.user + l.system) / 1000 / N).toFixed(3)} ms/req`);
      }
    }
  }
} finally {
  await agent.close();
  await mf.dispose();
}
