// The provider service every scenario ends at: answers POST with a body as large as the one it got,
// and GET /bytes/:n with n bytes. Runs as its own process so its CPU is measured apart.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const block = Buffer.alloc(1024 * 1024, 0x61);

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.end('ok');
    return;
  }
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    let left = size;
    while (left > 0) {
      const n = Math.min(left, block.length);
      res.write(n === block.length ? block : block.subarray(0, n));
      left -= n;
    }
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`LISTENING ${typeof address === 'object' && address !== null ? address.port : port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
