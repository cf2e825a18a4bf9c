// The sample web app podloop's demo develops: GET / answers the text of greeting.txt (read on every request,
// so a synced edit shows at once), GET /healthz answers readiness. One log line per request.
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
  fs.readFile(greetingFile, 'utf8', (err, text) => {
    if (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`cannot read greeting: ${err.message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(text.endsWith('\n') ? text : `${text}\n`);
  });
});

server.listen(port, () => console.log(`web-app listening on :${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
