// A small HTTP service for the podloop sandbox: GET / answers the greeting in greeting.txt (read on
// every request, so a file sync shows up at once), GET /healthz answers readiness. One log line per request.
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const port = Number(process.env.PORT || 8080);
const greetingFile = path.join(__dirname, 'greeting.txt');

const server = http.createServer((req, res) => {
  const started = Date.now();
  res.on('finish', () => console.log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  if (req.url === '/' || req.url === '/index.html') {
    fs.readFile(greetingFile, 'utf8', (err, text) => {
      if (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`cannot read greeting: ${err.message}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(text.endsWith('\n') ? text : `${text}\n`);
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
});

server.listen(port, () => console.log(`web-app listening on :${port}`));

process.on('SIGTERM', () => {
  console.log('SIGTERM received, shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
