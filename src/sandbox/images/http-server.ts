// The sandbox's stand-in for nginx-like images: answers every request with 200 and a body naming the pod,
// and writes an access log line per request to stdout.
// Usage: node http-server.js --port <n> --pod <name> --ip <pod IP>
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '80' }, pod: { type: 'string', default: '' }, ip: { type: 'string', default: '' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`invalid --port "${values.port}": use a TCP port from 1 to 65535\n`);
  process.exit(2);
}
const body = `${values.pod} ${values.ip}\n`;

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  const client = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '-';
  process.stdout.write(`${client} - - [${new Date().toISOString()}] "${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}" 200 ${Buffer.byteLength(body)} "${req.headers['user-agent'] ?? '-'}"\n`);
});
server.on('error', (err) => {
  process.stderr.write(`http-server: ${err.message}\n`);
  process.exit(1);
});
server.listen(port, () => process.stdout.write(`serving ${values.pod} on port ${port}\n`));
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
