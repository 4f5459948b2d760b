/**
 * The ceiling for any Node HTTP/1.1 server on this machine: node:http answering every request with the
 * same 2 KB from memory, no routing, no cache, no auth. The bench measures it next to the shield and
 * nginx so the playlist ratio can be read against what Node itself allows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.alloc(2048, 0x23);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': '2048', 'cache-control': 'max-age=2' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
