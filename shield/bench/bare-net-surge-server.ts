/**
 * The surge floor for any Node server on this machine: node:net holding every request that arrives
 * (nothing parsed beyond the size in `GET /<bytes> `) until 200 ms after the first one of a burst — the
 * bench origin's latency — then writing one constant answer of that size to every waiting socket. No
 * cache, no origin, no HTTP library: what 2,000 answers at once cost Node and the kernel here.
 */
import net from 'node:net';

const HOLD_MS = Number(process.env.SURGE_HOLD_MS ?? 200);
const END = Buffer.from('\r\n\r\n');
const answers = new Map<number, Buffer>();
let waiting: { socket: net.Socket; bytes: number }[] = [];
let timer: NodeJS.Timeout | undefined;

function answer(bytes: number): Buffer {
  let cached = answers.get(bytes);
  if (cached === undefined) {
    cached = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: video/iso.segment\r\ncontent-length: ${bytes}\r\n\r\n`, 'latin1'), Buffer.alloc(bytes, 3)]);
    answers.set(bytes, cached);
  }
  return cached;
}

const server = net.createServer({ noDelay: true }, (socket) => {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    let buffer: Buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let end: number;
    while ((end = buffer.indexOf(END)) !== -1) {
      const bytes = Number(/^GET \/(\d+)/.exec(buffer.toString('latin1', 0, Math.min(end, 64)))?.[1] ?? 0);
      waiting.push({ socket, bytes });
      timer ??= setTimeout(() => {
        timer = undefined;
        const due = waiting;
        waiting = [];
        for (const { socket: s, bytes: n } of due) if (!s.destroyed) s.write(answer(n));
      }, HOLD_MS);
      buffer = buffer.subarray(end + 4);
    }
    pending = buffer;
  });
  socket.on('error', () => {});
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
