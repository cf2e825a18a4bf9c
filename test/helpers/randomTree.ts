// A local folder that a seeded random generator keeps editing the way developers and their tools
// do: create, overwrite, append, truncate, delete, rename files and folders, chmod, symlinks.
// It tracks what exists, so storm tests can assert on the final tree.
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join, posix } from 'node:path';

export interface RandomTree {
  /** Regular files, relative POSIX paths. */
  readonly files: Set<string>;
  /** Folders, '' being the root. */
  readonly dirs: Set<string>;
  readonly links: Set<string>;
  /** Absolute path of a relative one. */
  abs(path: string): string;
  /** Random bytes, `max` long at most (exactly, with `exact`). */
  bytes(max: number, exact?: boolean): Buffer;
  /** Lays down `count` files, a new folder every `folderEvery` files. */
  populate(count: number, folderEvery: number): void;
  /** One random edit. */
  mutate(): void;
}

export function randomTree(root: string, rand: () => number): RandomTree {
  const files = new Set<string>();
  const dirs = new Set<string>(['']);
  const links = new Set<string>();
  let counter = 0;
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
  const abs = (path: string): string => join(root, path);
  const fresh = (prefix: string): string => `${prefix}${counter++}`;
  const inDir = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
  const bytes = (max: number, exact = false): Buffer => {
    const buffer = Buffer.alloc(exact ? max : Math.floor(rand() * max));
    for (let i = 0; i < buffer.length; i++) buffer[i] = 32 + Math.floor(rand() * 90);
    return buffer;
  };
  const forget = (prefix: string): void => {
    for (const set of [files, dirs, links])
      for (const path of [...set]) if (path === prefix || path.startsWith(prefix + '/')) set.delete(path);
  };

  return {
    files,
    dirs,
    links,
    abs,
    bytes,
    populate(count, folderEvery) {
      for (let i = 0; i < count; i++) {
        const dir = i % folderEvery === 0 ? inDir(pick([...dirs])!, fresh('d')) : pick([...dirs])!;
        if (!dirs.has(dir)) {
          mkdirSync(abs(dir), { recursive: true });
          dirs.add(dir);
        }
        const file = inDir(dir, fresh('f') + '.txt');
        writeFileSync(abs(file), bytes(4096));
        files.add(file);
      }
    },
    mutate() {
      const roll = rand();
      const file = pick([...files]);
      const dir = pick([...dirs])!;
      if (roll < 0.2 || !file) {
        const path = inDir(dir, fresh('n') + '.txt');
        writeFileSync(abs(path), bytes(8192));
        files.add(path);
      } else if (roll < 0.35) writeFileSync(abs(file), bytes(8192));
      else if (roll < 0.45) appendFileSync(abs(file), bytes(512));
      else if (roll < 0.5) truncateSync(abs(file), Math.floor(rand() * 100));
      else if (roll < 0.6) {
        rmSync(abs(file));
        files.delete(file);
      } else if (roll < 0.68) {
        const target = inDir(dir, fresh('r') + '.txt');
        renameSync(abs(file), abs(target));
        files.delete(file);
        files.add(target);
      } else if (roll < 0.74) {
        const path = inDir(dir, fresh('d'));
        mkdirSync(abs(path));
        dirs.add(path);
      } else if (roll < 0.78 && dir !== '') {
        const target = fresh('moved');
        renameSync(abs(dir), abs(target));
        for (const set of [files, dirs, links]) {
          for (const path of [...set]) {
            if (path === dir || path.startsWith(dir + '/')) {
              set.delete(path);
              set.add(target + path.slice(dir.length));
            }
          }
        }
      } else if (roll < 0.81 && dir !== '') {
        rmSync(abs(dir), { recursive: true });
        forget(dir);
      } else if (roll < 0.9) chmodSync(abs(file), pick([0o644, 0o755, 0o600, 0o700])!);
      else if (roll < 0.95) {
        const path = inDir(dir, fresh('l'));
        symlinkSync(posix.relative(dir, file), abs(path));
        links.add(path);
      } else {
        const link = pick([...links]);
        if (link) {
          rmSync(abs(link));
          links.delete(link);
        }
      }
    },
  };
}
