// How the VS Code extension words engine errors: NotSupportedYet (a newer protocol method this
// engine build lacks) and cancellation get their own short messages; the rest keep the engine's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, notSupportedYet } from '../../protocol/errors.js';
import { describeFailure, toEngineRequestError } from '../../clients/vscode/src/engine/errors.js';

void test('a NotSupportedYet answer becomes a typed error that says the engine lacks the method', () => {
  const error = toEngineRequestError('future/feature', notSupportedYet('future/feature'));
  assert.equal(error.codeName, 'NotSupportedYet');
  assert.equal(error.notSupported, true);
  assert.equal(describeFailure(error), 'podloop: future/feature is not supported by this engine yet.');
});

void test('other engine errors keep their message and name their code', () => {
  const error = toEngineRequestError(
    'dev/start',
    new ResponseError(ErrorCodes.WorkloadNotFound, 'Deployment web not found in namespace shop'),
  );
  assert.equal(error.notSupported, false);
  assert.equal(describeFailure(error), 'podloop: Deployment web not found in namespace shop (WorkloadNotFound)');
});
