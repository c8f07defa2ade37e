'use strict';
// The web app of specs/node-redis.spec, in the place of the Express app of
// docker/awesome-compose's nginx-nodejs-redis: every GET / adds one to a
// counter in Redis and answers with the container's host name, so requests
// through nginx show which of the two containers answered.
//
// No dependencies (the original used express and redis 3): one Redis command
// needs a few lines of its protocol, and `npm ci` then installs nothing, so
// the image builds without the npm registry.

const http = require('node:http');
const net = require('node:net');
const os = require('node:os');

const PORT = Number(process.env.PORT || 5000);
const REDIS_HOST = process.env.REDIS_HOST || 'redis';
const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);

// INCR key over a short-lived connection; resolves to the new count. INCR
// is atomic: the original's GET-then-SET lost visits that raced.
function increment(key) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: REDIS_HOST, port: REDIS_PORT });
    socket.setEncoding('utf8');
    socket.setTimeout(2000);
    let reply = '';
    socket.on('connect', () => {
      socket.write(`*2\r\n$4\r\nINCR\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);
    });
    socket.on('data', (chunk) => {
      reply += chunk;
      const end = reply.indexOf('\r\n');
      if (end === -1) return;
      socket.end();
      const line = reply.slice(0, end);
      if (line.startsWith(':')) resolve(Number(line.slice(1)));
      else reject(new Error(`redis answered ${line}`));
    });
    socket.on('timeout', () => socket.destroy(new Error('redis did not answer in time')));
    socket.on('error', reject);
  });
}

const server = http.createServer(async (request, response) => {
  const { pathname } = new URL(request.url, 'http://localhost');
  if (pathname === '/healthz') {
    // The process is up: what the healthcheck asks, never Redis.
    response.end('ok\n');
    return;
  }
  if (pathname !== '/' || request.method !== 'GET') {
    response.writeHead(404).end('not found\n');
    return;
  }
  try {
    const visits = await increment('visits');
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.end(`${os.hostname()}: ${visits} visits\n`);
  } catch (error) {
    console.error(error.message);
    response.writeHead(503).end('the visit counter is not available\n');
  }
});

server.listen(PORT, () => console.log(`listening on ${PORT}`));

// Compose stops a container with SIGTERM. Node is PID 1 here (the image runs
// `node`, not `npm start`, which did not pass the signal on), so it must
// handle it: stop accepting, let open requests finish, exit.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
