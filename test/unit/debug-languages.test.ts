// Debugger defaults per language: the command that starts the program under its debugger, the
// language a command implies, and the IDE attach settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debugCommand, detectLanguage, listeningProbe, vscodeLaunchConfig } from '../../server/debug/languages.js';

void test('each language starts the program under its debugger listening on every address', () => {
  assert.deepEqual(debugCommand('node', ['node', 'server.js'], 9229), ['node', '--inspect=0.0.0.0:9229', 'server.js']);
  assert.deepEqual(debugCommand('node', ['npm', 'start'], 9229), [
    'env',
    'NODE_OPTIONS=--inspect=0.0.0.0:9229',
    'npm',
    'start',
  ]);
  assert.deepEqual(debugCommand('java', ['java', '-jar', 'app.jar'], 5005), [
    'java',
    '-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005',
    '-jar',
    'app.jar',
  ]);
  assert.deepEqual(debugCommand('python', ['python3', 'app.py'], 5678), [
    'python3',
    '-m',
    'debugpy',
    '--listen',
    '0.0.0.0:5678',
    'app.py',
  ]);
  assert.deepEqual(debugCommand('go', ['/app/server', '-v'], 2345), [
    'dlv',
    'exec',
    '--headless',
    '--listen=:2345',
    '--api-version=2',
    '--accept-multiclient',
    '/app/server',
    '--',
    '-v',
  ]);
});

void test('the language follows from the program name', () => {
  assert.equal(detectLanguage(['/usr/bin/node', 'x.js']), 'node');
  assert.equal(detectLanguage(['python3.12', 'x.py']), 'python');
  assert.equal(detectLanguage(['java', '-jar', 'x.jar']), 'java');
  assert.equal(detectLanguage(['./server']), undefined);
});

void test('the listening probe looks for the port in hex in LISTEN state', () => {
  assert.match(listeningProbe(9229).join(' '), /:240D \[0-9A-F\]\+:\[0-9A-F\]\+ 0A /);
});

void test('VS Code attach settings point at the local port and map the remote folder', () => {
  const node = vscodeLaunchConfig('node', 'web', 40000, '/app');
  assert.equal(node.type, 'node');
  assert.equal(node.port, 40000);
  assert.equal(node.remoteRoot, '/app');
  const python = vscodeLaunchConfig('python', 'web', 40001, '/srv');
  assert.deepEqual(python.connect, { host: '127.0.0.1', port: 40001 });
});
