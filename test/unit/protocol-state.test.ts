// The engine state hub: every change pushes one full snapshot with a growing seq, nothing is sent
// when the client opted out, and removing what is not there sends nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DevSessionInfo, EngineStateParams, PortForwardInfo } from '../../protocol/index.js';
import type { EngineClient } from '../../server/engineClient.js';
import { createStateHub } from '../../server/state.js';

function recordingClient(): { client: EngineClient; states: EngineStateParams[] } {
  const states: EngineStateParams[] = [];
  const ignore = () => undefined;
  return {
    client: { progress: ignore, log: ignore, logLines: ignore, state: (params) => states.push(params) },
    states,
  };
}

const session = (name: string): DevSessionInfo => ({
  workload: { kind: 'Deployment', name, namespace: 'shop' },
  container: 'app',
  phase: 'running',
  holder: 'engine-1',
  ownedByThisEngine: true,
});

const forward: PortForwardInfo = {
  id: 'f1',
  workload: { kind: 'Deployment', name: 'web' },
  localAddress: '127.0.0.1',
  localPort: 8080,
  remotePort: 80,
  state: 'active',
};

void test('each change pushes a full snapshot with the next seq and the reason', () => {
  const { client, states } = recordingClient();
  const hub = createStateHub(client, { enabled: () => true, context: () => 'sandbox' });
  hub.setDevSession(session('web'), 'dev/start');
  hub.setDevSession(session('api'), 'dev/start');
  hub.setForward(forward, 'forward started');
  hub.removeDevSession({ kind: 'Deployment', name: 'web', namespace: 'shop' }, 'dev/end');
  assert.deepEqual(
    states.map((state) => [
      state.seq,
      state.reason,
      state.devSessions.map((info) => info.workload.name),
      state.forwards.length,
    ]),
    [
      [1, 'dev/start', ['web'], 0],
      [2, 'dev/start', ['api', 'web'], 0],
      [3, 'forward started', ['api', 'web'], 1],
      [4, 'dev/end', ['api'], 1],
    ],
  );
  assert.equal(states[0]?.context, 'sandbox');
});

void test('removing something unknown sends nothing, and an opted-out client gets nothing', () => {
  const { client, states } = recordingClient();
  let enabled = false;
  const hub = createStateHub(client, { enabled: () => enabled, context: () => undefined });
  hub.setForward(forward, 'forward started');
  assert.equal(states.length, 0);
  enabled = true;
  hub.removeForward('nope', 'forward stopped');
  assert.equal(states.length, 0);
  hub.removeForward('f1', 'forward stopped');
  assert.deepEqual(
    states.map((state) => state.seq),
    [2],
  );
  assert.equal(hub.snapshot('now').forwards.length, 0);
});
