// The channel framing of exec/attach/port-forward WebSockets.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeChannelFrame,
  encodeChannelFrame,
  encodePortPrefix,
  execProtocolFeatures,
  negotiateExecProtocol,
  offeredProtocols,
  parseQueryBool,
  ResizeDecoder,
} from '../../sandbox/streams/channels.js';
import { exitStatus, parseExecQuery } from '../../sandbox/streams/exec.js';
import { parsePorts } from '../../sandbox/streams/portforward.js';

void describe('channel framing', () => {
  void it('puts the channel byte before the payload and reads it back', () => {
    const frame = encodeChannelFrame(1, Buffer.from('out'));
    assert.deepEqual([...frame], [1, 0x6f, 0x75, 0x74]);
    assert.deepEqual(decodeChannelFrame(frame, true), { kind: 'data', channel: 1, payload: Buffer.from('out') });
  });

  void it('reads the v5 CLOSE signal only on v5 and only with exactly two bytes', () => {
    assert.deepEqual(decodeChannelFrame(Buffer.from([255, 0]), true), { kind: 'close', channel: 0 });
    assert.equal(decodeChannelFrame(Buffer.from([255, 0, 1]), true).kind, 'invalid');
    assert.equal(decodeChannelFrame(Buffer.from([255, 0]), false).kind, 'data');
  });

  void it('prefixes port-forward channels with the port as uint16 little-endian', () => {
    assert.deepEqual([...encodePortPrefix(1, 8080)], [1, 0x90, 0x1f]);
  });

  void it('prefers the client order when negotiating', () => {
    const offered = offeredProtocols('v5.channel.k8s.io,v4.channel.k8s.io, channel.k8s.io');
    assert.equal(negotiateExecProtocol(offered), 'v5.channel.k8s.io');
    assert.equal(negotiateExecProtocol(['base64.channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
    assert.equal(negotiateExecProtocol(['SPDY/3.1+portforward.k8s.io']), undefined);
    assert.deepEqual(execProtocolFeatures('v4.channel.k8s.io'), { statusJson: true, resize: true, close: false });
  });

  void it('decodes resize events split across messages and in either letter case', () => {
    const decoder = new ResizeDecoder();
    assert.deepEqual(decoder.push('{"Width":80,"Hei'), []);
    assert.deepEqual(decoder.push('ght":24}\n{"height":50,"width":120}'), [
      { width: 80, height: 24 },
      { width: 120, height: 50 },
    ]);
  });

  void it('parses booleans like Go and rejects nonsense', () => {
    assert.equal(parseQueryBool('1'), true);
    assert.equal(parseQueryBool('False'), false);
    assert.equal(parseQueryBool(null), false);
    assert.equal(parseQueryBool('yes'), undefined);
  });
});

void describe('exec and port-forward queries', () => {
  void it('reads repeated commands and merges stderr into the TTY', () => {
    const q = new URLSearchParams(
      'command=sh&command=-c&command=echo+hi&container=app&stdout=true&stderr=true&tty=true',
    );
    assert.deepEqual(parseExecQuery(q, 'exec'), {
      command: ['sh', '-c', 'echo hi'],
      container: 'app',
      options: { stdin: false, stdout: true, stderr: false, tty: true },
    });
  });

  void it('refuses an exec without a command with 400', () => {
    assert.throws(
      () => parseExecQuery(new URLSearchParams('stdout=true'), 'exec'),
      (e: { code?: number }) => e.code === 400,
    );
  });

  void it('reports a non-zero exit exactly as the kubelet does', () => {
    assert.deepEqual(exitStatus(3, ['sh', '-c', 'exit 3']), {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    assert.deepEqual(exitStatus(0, ['true']), { metadata: {}, status: 'Success' });
  });

  void it('reads repeated and comma-separated ports and refuses out-of-range ones', () => {
    assert.deepEqual(parsePorts(new URLSearchParams('ports=80,8080&ports=9090')), [80, 8080, 9090]);
    assert.throws(
      () => parsePorts(new URLSearchParams('ports=70000')),
      (e: { code?: number }) => e.code === 400,
    );
    assert.throws(
      () => parsePorts(new URLSearchParams('')),
      (e: { code?: number }) => e.code === 400,
    );
  });
});
