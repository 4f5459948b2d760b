/**
 * The floor for any Node HTTP/1.1 server on raw sockets: node:net answering every request head (found
 * by its CRLF CRLF, nothing parsed, nothing checked) with the same 2 KB response. The bench measures it
 * next to the shield's lean front end, which does the same socket work plus parsing, auth and caching.
 */
import net from 'node:net';

const body = Buffer.alloc(2048, 0x23);
const answer = Buffer.concat([
  Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/vnd.apple.mpegurl\r\ncontent-length: 2048\r\ncache-control: max-age=2\r\n\r\n', 'latin1'),
  body,
]);
const END = Buffer.from('\r\n\r\n');
const server = net.createServer({ noDelay: true }, (socket) => {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    let buffer: Buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let end: number;
    while ((end = buffer.indexOf(END)) !== -1) {
      socket.write(answer);
      buffer = buffer.subarray(end + 4);
    }
    pending = buffer;
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
