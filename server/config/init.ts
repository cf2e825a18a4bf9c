// Writes the starter .podloop/config.yaml into a project (`podloop config init`); never overwrites
// an existing configuration unless asked to.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { configFileNames } from './load.js';
import { detectLanguage, starterConfig, type StarterWorkload } from './starter.js';
import type { Language } from './types.js';

export interface InitOptions {
  /** Default: detected from the project's files, else node. */
  language?: Language;
  workload?: StarterWorkload;
  /** Replace an existing configuration. */
  force?: boolean;
}

export interface InitResult {
  file: string;
  language: Language;
  /** Whether the language came from the project's files rather than the options or the fallback. */
  detected: boolean;
}

export class ConfigExistsError extends Error {
  override readonly name = 'ConfigExistsError';
  constructor(readonly file: string) {
    super(`${file} already exists; use --force to replace it`);
  }
}

export async function initProjectConfig(projectDir: string, options: InitOptions = {}): Promise<InitResult> {
  const file = join(projectDir, configFileNames[0]!);
  const detectedLanguage = options.language ? undefined : await detectLanguage(projectDir);
  const language = options.language ?? detectedLanguage ?? 'node';
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, starterConfig(language, options.workload), { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigExistsError(file);
    throw error;
  }
  return { file, language, detected: detectedLanguage !== undefined };
}
