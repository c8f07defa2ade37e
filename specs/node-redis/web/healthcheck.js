'use strict';
// The image's health probe: exits 0 when the server on this container
// answers /healthz with 200, 1 otherwise. node:alpine has no curl.

const http = require('node:http');

const request = http.get(
  { host: '127.0.0.1', port: Number(process.env.PORT || 5000), path: '/healthz', timeout: 2000 },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('no answer in time')));
request.on('error', (error) => {
  console.error(error.message);
  process.exit(1);
});
