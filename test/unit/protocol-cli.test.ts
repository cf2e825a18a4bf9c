// The CLI's pure parts: KIND/NAME parsing, exit codes per protocol error, table layout and ages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { age } from '../../clients/cli/commands/cluster.js';
import { ExitCode, exitCodeForError } from '../../clients/cli/exitCodes.js';
import { formatTable } from '../../clients/cli/output.js';
import { parseWorkloadRef, UsageError } from '../../clients/cli/workloadRef.js';
import { ErrorCodes } from '../../protocol/errors.js';

void test('KIND/NAME accepts the kinds and their short names, and rejects anything else as a usage error', () => {
  assert.deepEqual(parseWorkloadRef('deploy/web'), { kind: 'Deployment', name: 'web' });
  assert.deepEqual(parseWorkloadRef('STS/db'), { kind: 'StatefulSet', name: 'db' });
  assert.deepEqual(parseWorkloadRef('cj/nightly'), { kind: 'CronJob', name: 'nightly' });
  for (const bad of ['web', 'svc/web', 'deploy/', '/web', 'deploy/a/b']) {
    assert.throws(() => parseWorkloadRef(bad), UsageError, bad);
  }
});

void test('protocol errors map onto the documented exit codes', () => {
  assert.equal(exitCodeForError(ErrorCodes.ClusterUnreachable), ExitCode.ClusterUnreachable);
  assert.equal(exitCodeForError(ErrorCodes.Unauthorized), 3);
  assert.equal(exitCodeForError(ErrorCodes.WorkloadNotFound), ExitCode.NotFound);
  assert.equal(exitCodeForError(ErrorCodes.Cancelled), 130);
  assert.equal(exitCodeForError(ErrorCodes.NotSupportedYet), ExitCode.EngineError);
  assert.equal(exitCodeForError(ErrorCodes.InternalError), 1);
});

void test('tables pad every column but the last to its widest cell', () => {
  const text = formatTable(
    ['KIND', 'NAME', 'READY'],
    [
      ['Deployment', 'web', '1/1'],
      ['Pod', 'a-much-longer-name', '0/1'],
    ],
  );
  assert.equal(
    text,
    [
      'KIND         NAME                 READY',
      'Deployment   web                  1/1',
      'Pod          a-much-longer-name   0/1',
      '',
    ].join('\n'),
  );
});

void test('ages read like kubectl', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  assert.equal(age('2026-01-10T11:59:15Z', now), '45s');
  assert.equal(age('2026-01-10T11:30:00Z', now), '30m');
  assert.equal(age('2026-01-10T02:00:00Z', now), '10h');
  assert.equal(age('2026-01-01T12:00:00Z', now), '9d');
  assert.equal(age(undefined, now), '');
});
