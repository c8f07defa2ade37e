// Counts the page's visits in Redis and says which container answered
// (web1 or web2, behind nginx's round robin).
const os = require('os');
const express = require('express');
const redis = require('redis');

const app = express();
const client = redis.createClient({ host: 'redis', port: 6379 });

app.get('/', (req, res, next) => {
  client.incr('visits', (err, visits) => {
    if (err) return next(err);
    res.send(`${os.hostname()}: ${visits} visits\n`);
  });
});

app.listen(5000, () => console.log('listening on 5000'));
