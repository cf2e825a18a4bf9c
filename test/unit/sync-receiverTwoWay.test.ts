import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../../server/sync/receiverProtocol.js';
import { startRawReceiver, tempDir, toolsets } from '../integration/sync-helpers.js';

const toolsDir = tempDir('podloop-tools-');
after(() => toolsDir[Symbol.dispose]());
const sets = toolsets(toolsDir.path);

for (const tools of sets) {
  void test(`STAT describes the asked paths that exist, never through a link (${tools.name} tools)`, async () => {
    using scratch = tempDir('podloop-stat-');
    const workDir = join(scratch.path, 'work');
    const outside = join(scratch.path, 'outside');
    mkdirSync(join(workDir, 'src'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'outside');
    writeFileSync(join(workDir, 'src', 'a.js'), 'abc');
    chmodSync(join(workDir, 'src', 'a.js'), 0o750);
    symlinkSync('src/a.js', join(workDir, 'current'));
    symlinkSync(outside, join(workDir, 'escape'));
    const receiver = startRawReceiver(workDir, tools.env, tools.shell);
    try {
      assert.match(await receiver.reader.next(), /^READY podloop-receiver 1 /);
      const asked = ['src/a.js', 'current', 'src', 'missing.txt', 'escape/secret', '../outside/secret'];
      receiver.child.stdin.write(`STAT ${asked.length}\n${asked.join('\n')}\n`);
      const described = await readManifest(receiver.reader, 'DONE STAT');
      assert.deepEqual([...described.keys()].sort(), ['current', 'src', 'src/a.js']);
      const file = described.get('src/a.js');
      assert.equal(file?.type, 'file');
      assert.equal(file?.size, 3);
      assert.equal(file?.mode, 0o750);
      assert.equal(described.get('current')?.linkTarget, 'src/a.js');
      assert.equal(described.get('src')?.type, 'dir');
      // The channel still answers in order after the request.
      receiver.child.stdin.write('PING\n');
      assert.equal(await receiver.reader.next(), 'PONG');
    } finally {
      await receiver.stop();
    }
  });
}

for (const tools of sets) {
  void test(`SCAN lists the workDir without the given folders (${tools.name} tools)`, async () => {
    using scratch = tempDir('podloop-scan-');
    mkdirSync(join(scratch.path, 'node_modules', 'dep'), { recursive: true });
    mkdirSync(join(scratch.path, 'src', 'node_modules'), { recursive: true });
    writeFileSync(join(scratch.path, 'node_modules', 'dep', 'index.js'), 'dep');
    writeFileSync(join(scratch.path, 'src', 'node_modules', 'x.js'), 'x');
    writeFileSync(join(scratch.path, 'src', 'a.js'), 'a');
    const receiver = startRawReceiver(scratch.path, tools.env, tools.shell);
    try {
      assert.match(await receiver.reader.next(), /^READY podloop-receiver 1 /);
      receiver.child.stdin.write('SCAN 2\nnode_modules\nsrc/node_modules\n');
      const pruned = await readManifest(receiver.reader, 'DONE SCAN');
      assert.deepEqual([...pruned.keys()].sort(), ['src', 'src/a.js']);
      receiver.child.stdin.write('SCAN 0\n');
      const whole = await readManifest(receiver.reader, 'DONE SCAN');
      assert.equal(whole.size, 7);
    } finally {
      await receiver.stop();
    }
  });
}

for (const tools of sets) {
  void test(`a listed removal takes only the listed paths and keeps a refilled folder (${tools.name} tools)`, async () => {
    using scratch = tempDir('podloop-listed-');
    mkdirSync(join(scratch.path, 'gen', 'sub'), { recursive: true });
    mkdirSync(join(scratch.path, 'gone', 'empty'), { recursive: true });
    writeFileSync(join(scratch.path, 'gen', 'sub', 'old.out'), 'synced');
    writeFileSync(join(scratch.path, 'gen', 'sub', '.new'), 'written in the container');
    writeFileSync(join(scratch.path, 'gone', 'a.out'), 'synced');
    const receiver = startRawReceiver(scratch.path, tools.env, tools.shell);
    try {
      assert.match(await receiver.reader.next(), /^READY podloop-receiver 1 /);
      const listed = ['gone/empty', 'gone/a.out', 'gone', 'gen/sub/old.out', 'gen/sub', 'gen', 'never-there'];
      receiver.child.stdin.write(`BATCH 1 0 ${listed.length} 0 listed\n${listed.join('\n')}\n`);
      assert.equal(await receiver.reader.next(), 'ACK 1 ok');
      receiver.child.stdin.write('MANIFEST\n');
      const left = await readManifest(receiver.reader, 'DONE MANIFEST');
      assert.deepEqual([...left.keys()].sort(), ['gen', 'gen/sub', 'gen/sub/.new']);
      // Without "listed" a removal is recursive, as one-way sync and full syncs want.
      receiver.child.stdin.write('BATCH 2 0 1 0\ngen\n');
      assert.equal(await receiver.reader.next(), 'ACK 2 ok');
      receiver.child.stdin.write('MANIFEST\n');
      assert.equal((await readManifest(receiver.reader, 'DONE MANIFEST')).size, 0);
    } finally {
      await receiver.stop();
    }
  });
}
