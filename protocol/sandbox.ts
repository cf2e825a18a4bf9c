// The sandbox cluster: a local Kubernetes-compatible API server podloop ships for trying it out.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { SandboxFailedData } from './errors.js';
import type { WorkDoneProgressParams } from './progress.js';

/** Params of the `sandbox/*` requests. */
export interface SandboxParams extends WorkDoneProgressParams {
  /** State directory. Default `$PODLOOP_SANDBOX_DIR`, else `~/.podloop/sandbox`. */
  stateDir?: string;
  /** API server port. Default: a free port picked on first start and kept. */
  port?: number;
}

/** A sandbox cluster. */
export interface SandboxInfo {
  /** State directory (kubeconfig, objects, pod files). */
  stateDir: string;
  /** Kubeconfig that reaches the sandbox. */
  kubeconfigPath: string;
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** Pid of the sandbox process, when running. */
  pid?: number;
  /** Whether it runs. */
  running: boolean;
}

/** `sandbox/up` (client → engine): starts the sandbox (or reuses a running one). Errors: SandboxFailed. */
export namespace SandboxUp {
  export const method = 'sandbox/up' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SandboxParams, SandboxInfo, SandboxFailedData>(
    method,
    ParameterStructures.byName,
  );
}

/** Result of `sandbox/down`. */
export interface SandboxDownResult {
  /** False when it was not running. */
  stopped: boolean;
}

/** `sandbox/down` (client → engine): stops the sandbox and its pods; state is kept. */
export namespace SandboxDown {
  export const method = 'sandbox/down' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SandboxParams, SandboxDownResult, SandboxFailedData>(
    method,
    ParameterStructures.byName,
  );
}

/** `sandbox/status` (client → engine): whether the sandbox runs and how to reach it. */
export namespace SandboxStatus {
  export const method = 'sandbox/status' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SandboxParams, SandboxInfo, SandboxFailedData>(
    method,
    ParameterStructures.byName,
  );
}

/** Params of `sandbox/importImage`. */
export interface SandboxImportImageParams {
  /** State directory of the sandbox to add the image to. Default as for `sandbox/up`. */
  stateDir?: string;
  /** Image folder: a `manifest.json` and an optional `rootfs/` laid over the container root. */
  dir: string;
  /** Reference pods will use, `NAME` or `NAME:TAG` (e.g. `shop/api:dev`). */
  name: string;
}

/** Result of `sandbox/importImage`. */
export interface SandboxImportImageResult {
  /** The reference the image answers to. */
  name: string;
}

/**
 * `sandbox/importImage` (client → engine): adds a local image folder to the sandbox's image store,
 * so pods can use it by name. Errors: SandboxFailed (no manifest, unreadable folder, bad name).
 */
export namespace SandboxImportImage {
  export const method = 'sandbox/importImage' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<SandboxImportImageParams, SandboxImportImageResult, SandboxFailedData>(
    method,
    ParameterStructures.byName,
  );
}
