// The engine log never carries credentials: tokens, passwords, client keys and authorization
// headers are redacted wherever they sit in a logged object.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, createLogTee, teeTo } from '../../server/logger.js';
import type { LogEntry } from '../../server/logger.js';

void test('credentials are redacted at the top level, nested, and in headers', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'podloop-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'engine.log');
  const log = createLogger({ file, level: 'debug' });
  log.info(
    {
      token: 'tok-secret-1',
      user: { name: 'dev', password: 'pw-secret-2', 'client-key-data': 'key-secret-3' },
      request: { headers: { authorization: 'Bearer tok-secret-4' } },
      cluster: { server: 'https://127.0.0.1:6443' },
    },
    'calling the API',
  );
  log.flush();
  const text = readFileSync(file, 'utf8');
  for (const secret of ['tok-secret-1', 'pw-secret-2', 'key-secret-3', 'tok-secret-4'])
    assert.ok(!text.includes(secret), secret);
  const line = JSON.parse(text.trim()) as { msg: string; cluster: { server: string }; user: { name: string } };
  assert.equal(line.msg, 'calling the API');
  assert.equal(line.cluster.server, 'https://127.0.0.1:6443');
  assert.equal(line.user.name, 'dev');
});

void test('the tee forwards messages at or above the asked level, with the component and no fields', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'podloop-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tee = createLogTee();
  const log = createLogger({ file: join(dir, 'engine.log'), level: 'debug', tee });
  const entries: LogEntry[] = [];
  log.warn('before anyone asked');
  teeTo(tee, 'warn', (entry) => entries.push(entry));
  log.child({ component: 'kube' }).info({ token: 'x' }, 'too chatty');
  log.child({ component: 'kube' }).warn({ token: 'tok-secret' }, 'server slow');
  assert.deepEqual(
    entries.map(({ level, message, component }) => ({ level, message, component })),
    [{ level: 'warn', message: 'server slow', component: 'kube' }],
  );
  assert.ok(!JSON.stringify(entries).includes('tok-secret'));
});
