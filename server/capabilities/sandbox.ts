// sandbox/up, sandbox/down, sandbox/status: thin calls into the sandbox's control functions, with
// their failures turned into SandboxFailed.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { SandboxFailedData } from '../../protocol/errors.js';
import type {
  SandboxDownResult,
  SandboxImportImageParams,
  SandboxImportImageResult,
  SandboxInfo,
  SandboxParams,
} from '../../protocol/sandbox.js';
import { defaultStateDir, importImage, sandboxDown, sandboxStatus, sandboxUp } from '../../sandbox/control.js';
import type { EngineClient } from '../engineClient.js';
import { optInteger, optProgressToken, optString, paramsObject, reqString } from '../params.js';
import { beginProgress } from '../progress.js';

export function parseSandboxParams(raw: unknown): SandboxParams {
  const params = paramsObject(raw);
  const stateDir = optString(params, 'stateDir');
  const port = optInteger(params, 'port', 0, 65535);
  const workDoneToken = optProgressToken(params);
  return {
    ...(stateDir !== undefined ? { stateDir } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(workDoneToken !== undefined ? { workDoneToken } : {}),
  };
}

function options(params: SandboxParams): { stateDir?: string; port?: number } {
  return {
    ...(params.stateDir !== undefined ? { stateDir: params.stateDir } : {}),
    ...(params.port !== undefined ? { port: params.port } : {}),
  };
}

async function guarded<T>(what: string, params: { stateDir?: string }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ResponseError) throw error;
    const stateDir = params.stateDir ?? defaultStateDir();
    const message = error instanceof Error ? error.message : String(error);
    throw new ResponseError<SandboxFailedData>(
      ErrorCodes.SandboxFailed,
      `Sandbox ${what} failed (state in ${stateDir}): ${message}`,
      { stateDir },
    );
  }
}

function info(value: SandboxInfo): SandboxInfo {
  return {
    stateDir: value.stateDir,
    kubeconfigPath: value.kubeconfigPath,
    server: value.server,
    ...(value.pid !== undefined ? { pid: value.pid } : {}),
    running: value.running,
  };
}

export async function upSandbox(client: EngineClient, params: SandboxParams): Promise<SandboxInfo> {
  const progress = beginProgress(client, params.workDoneToken, 'Starting the sandbox cluster', false);
  try {
    return info(await guarded('up', params, () => sandboxUp(options(params))));
  } finally {
    progress.done();
  }
}

export async function downSandbox(params: SandboxParams): Promise<SandboxDownResult> {
  const result = await guarded('down', params, () => sandboxDown(options(params)));
  return { stopped: result.stopped };
}

export async function sandboxInfo(params: SandboxParams): Promise<SandboxInfo> {
  return info(await guarded('status', params, () => sandboxStatus(options(params))));
}

export function parseImportImageParams(raw: unknown): SandboxImportImageParams {
  const params = paramsObject(raw);
  const stateDir = optString(params, 'stateDir');
  return {
    dir: reqString(params, 'dir'),
    name: reqString(params, 'name'),
    ...(stateDir !== undefined ? { stateDir } : {}),
  };
}

export async function importSandboxImage(params: SandboxImportImageParams): Promise<SandboxImportImageResult> {
  const stateDir = params.stateDir ?? defaultStateDir();
  const result = await guarded('image import', params, () =>
    importImage({ stateDir, dir: params.dir, name: params.name }),
  );
  return { name: result.name };
}
