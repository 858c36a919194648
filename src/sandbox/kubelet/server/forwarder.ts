// Runs inside a node's network namespace: accepts the apiserver's connections on <address>:<port> and
// pipes each one to the kubelet's unix socket. Exits when the kubelet that started it goes away.
// Usage: node forwarder.js <address> <port> <unix socket>
import { connect, createServer } from 'node:net';

const [address, port, socketPath] = process.argv.slice(2);
if (!address || !port || !socketPath) {
  process.stderr.write('usage: forwarder.js <address> <port> <unix socket>\n');
  process.exit(2);
}

const server = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.on('error', (err) => {
  process.stderr.write(`forwarder: ${err.message}\n`);
  process.exit(1);
});
server.listen(Number(port), address, () => {
  process.stdout.write(`listening on ${address}:${port}\n`);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
