import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { startRawReceiver, tempDir, toolsets } from '../integration/sync-helpers.js';

async function hostileTar(outside: string): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  pack.entry({ name: 'ok.txt' }, 'fine');
  pack.entry({ name: '../evil-parent' }, 'x');
  pack.entry({ name: 'sub/../../evil-nested' }, 'x');
  pack.entry({ name: join(outside, 'evil-absolute') }, 'x');
  pack.entry({ name: 'escape', type: 'symlink', linkname: outside });
  pack.entry({ name: 'escape/evil-through-absolute-link' }, 'x');
  pack.entry({ name: 'climb', type: 'symlink', linkname: '../../..' + outside });
  pack.entry({ name: 'climb/evil-through-relative-link' }, 'x');
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

function listRecursive(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

const toolsDir = tempDir('podloop-tools-');
after(() => toolsDir[Symbol.dispose]());

for (const tools of toolsets(toolsDir.path)) {
  void test(`a hostile tar batch writes nothing outside the workDir (${tools.name} tools)`, async () => {
    using scratch = tempDir('podloop-hostile-');
    const workDir = join(scratch.path, 'parent', 'work');
    const outside = join(scratch.path, 'outside');
    mkdirSync(workDir, { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'victim'), 'keep me');
    const receiver = startRawReceiver(workDir, tools.env, tools.shell);
    try {
      assert.match(await receiver.reader.next(), /^READY podloop-receiver 1 /);
      const tar = await hostileTar(outside);
      receiver.child.stdin.write(`BATCH 1 ${tar.length} 0 0\n`);
      receiver.child.stdin.write(tar);
      const ack = await receiver.reader.next();
      assert.match(ack, /^ACK 1 (ok|err)/);
      assert.equal(existsSync(join(workDir, 'ok.txt')), true, 'the harmless entry still lands');

      // Removals that climb out, are absolute, or pass through a link are refused.
      symlinkSync(outside, join(workDir, 'door'));
      const removals = ['../../outside/victim', join(outside, 'victim'), 'door/victim'];
      receiver.child.stdin.write(`BATCH 2 0 ${removals.length} 0\n${removals.join('\n')}\n`);
      assert.match(await receiver.reader.next(), /^ACK 2 err refused unsafe path/);

      // A directory the sender needs that is a link in the container is replaced, not followed.
      const next = await (async () => {
        const pack = tarStream.pack();
        const chunks: Buffer[] = [];
        const done = (async () => {
          for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
        })();
        pack.entry({ name: 'door/through-existing-link' }, 'x');
        pack.finalize();
        await done;
        return Buffer.concat(chunks);
      })();
      receiver.child.stdin.write(`BATCH 3 ${next.length} 0 1\ndoor\n`);
      receiver.child.stdin.write(next);
      assert.equal(await receiver.reader.next(), 'ACK 3 ok');
      assert.equal(lstatSync(join(workDir, 'door')).isDirectory(), true);

      assert.deepEqual(listRecursive(outside), ['victim'], 'nothing written to or removed from the outside folder');
      assert.deepEqual(readdirSync(join(scratch.path, 'parent')), ['work'], 'nothing written next to the workDir');
      assert.equal(existsSync(join(scratch.path, 'evil-parent')), false);
    } finally {
      await receiver.stop();
    }
  });
}
