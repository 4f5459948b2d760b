/**
 * A V8 CPU profile of the Worker inside workerd, over the inspector protocol (miniflare's
 * `inspectorPort`): where the edge's JavaScript spends its time under the surge (`--profile-edge`).
 * workerd's own C++ (HTTP, Cache API service, Durable Object storage) shows as "(program)".
 */
export async function startWorkerProfile(inspectorPort: number, workerName: string): Promise<() => Promise<unknown>> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{ title?: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => t.title?.includes(workerName)) ?? targets[0];
  if (!target) throw new Error(`no inspector target on port ${inspectorPort}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      pending.set(n, resolve);
      socket.send(JSON.stringify({ id: n, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 200 });
  await send('Profiler.start');
  return async () => {
    const result = (await send('Profiler.stop')) as { profile: unknown };
    socket.close();
    return result.profile;
  };
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }

/** Self time by function (share of samples), the top `n`. */
export function topFunctions(profile: unknown, n: number): Array<{ fn: string; share: number }> {
  const p = profile as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const counts = new Map<string, number>();
  for (const sample of p.samples) {
    const node = byId.get(sample);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop() ?? ''}:${lineNumber + 1}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = p.samples.length || 1;
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([fn, c]) => ({ fn, share: c / total }));
}
