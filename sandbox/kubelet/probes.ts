// Container probes (exec, httpGet, tcpSocket) run on their period with the kubelet's threshold
// rules; each probe worker reports when its verdict flips. Checks run inside the pod's namespaces.

import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { ProbeSpec } from './spec.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** What a probe needs from the pod: a dial into its network namespace and an exec into the container. */
export interface ProbeTarget {
  dial(port: number, timeoutMs: number): Promise<Duplex>;
  exec(command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  resolvePort(port: number | string | undefined): number | undefined;
}

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, in the kubelet's words. */
  message: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function startTls(socket: Duplex, timeoutMs: number): Promise<Duplex> {
  const secure = tlsConnect({ socket, rejectUnauthorized: false, servername: undefined });
  return withTimeout(
    new Promise<Duplex>((resolve, reject) => {
      secure.once('secureConnect', () => resolve(secure));
      secure.once('error', reject);
    }),
    timeoutMs,
    'TLS handshake',
  ).catch((error: unknown) => {
    secure.destroy();
    throw error;
  });
}

async function httpCheck(
  target: ProbeTarget,
  probe: NonNullable<ProbeSpec['httpGet']>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const port = target.resolvePort(probe.port);
  const path = probe.path || '/';
  const https = probe.scheme?.toUpperCase() === 'HTTPS';
  const url = `${https ? 'https' : 'http'}://127.0.0.1:${port}${path}`;
  if (port === undefined) return { ok: false, message: `Get "${url}": invalid port ${String(probe.port)}` };
  let raw: Duplex | undefined;
  let socket: Duplex | undefined;
  try {
    raw = await target.dial(port, timeoutMs);
    // Kubelets do not verify the certificate of an HTTPS probe.
    socket = https ? await startTls(raw, timeoutMs) : raw;
    const headers = [
      `Host: ${probe.host ?? '127.0.0.1'}:${port}`,
      'User-Agent: kube-probe/1.33',
      'Accept: */*',
      'Connection: close',
    ];
    for (const h of probe.httpHeaders ?? []) headers.push(`${h.name}: ${h.value}`);
    socket.write(`GET ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
    const conn = socket;
    const statusLine = await withTimeout(
      new Promise<string>((resolve, reject) => {
        let text = '';
        conn.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          const eol = text.indexOf('\r\n');
          if (eol >= 0) resolve(text.slice(0, eol));
        });
        conn.on('end', () => (text ? resolve(text.split('\r\n')[0]!) : reject(new Error('EOF'))));
        conn.on('error', reject);
      }),
      timeoutMs,
      `Get "${url}"`,
    );
    const code = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
    if (code >= 200 && code < 400) return { ok: true, message: '' };
    return { ok: false, message: `HTTP probe failed with statuscode: ${code}` };
  } catch (error) {
    const reason = (error as Error).message;
    return {
      ok: false,
      message: reason.startsWith('Get ') ? reason : `Get "${url}": dial tcp 127.0.0.1:${port}: ${reason}`,
    };
  } finally {
    socket?.destroy();
    raw?.destroy();
  }
}

export async function runProbeOnce(target: ProbeTarget, probe: ProbeSpec): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec?.command?.length) {
    try {
      const { exitCode, output } = await target.exec(probe.exec.command, timeoutMs);
      if (exitCode === 0) return { ok: true, message: '' };
      return {
        ok: false,
        message: output.trim() || `command ${JSON.stringify(probe.exec.command)} exited with ${exitCode}`,
      };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
  if (probe.httpGet) return httpCheck(target, probe.httpGet, timeoutMs);
  if (probe.tcpSocket) {
    const port = target.resolvePort(probe.tcpSocket.port);
    if (port === undefined) return { ok: false, message: `invalid port ${String(probe.tcpSocket.port)}` };
    try {
      const socket = await target.dial(port, timeoutMs);
      socket.destroy();
      return { ok: true, message: '' };
    } catch (error) {
      return { ok: false, message: `dial tcp 127.0.0.1:${port}: ${(error as Error).message}` };
    }
  }
  // A probe with no handler the sandbox knows (grpc) counts as passing rather than blocking the pod.
  return { ok: true, message: '' };
}

/**
 * Runs one probe on its schedule. `onVerdict` fires when the result crosses a threshold
 * (success after successThreshold passes, failure after failureThreshold fails), and
 * `onFailure` on each failed attempt (for Unhealthy events).
 */
export class ProbeWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private verdict: boolean | undefined;
  private everPassed = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: ProbeSpec,
    private readonly target: ProbeTarget,
    private readonly onVerdict: (ok: boolean, message: string) => void,
    private readonly onFailure: (message: string) => void,
    /** Scales probe seconds (tests use small factors). */
    private readonly secondMs = 1000,
  ) {
    this.schedule((probe.initialDelaySeconds ?? 0) * secondMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const result = await runProbeOnce(this.target, this.probe);
    if (this.stopped) return;
    const successThreshold = Math.max(1, this.probe.successThreshold ?? 1);
    const failureThreshold = Math.max(1, this.probe.failureThreshold ?? 3);
    if (result.ok) {
      this.failures = 0;
      this.successes++;
      if (this.verdict !== true && this.successes >= successThreshold) {
        this.verdict = true;
        this.onVerdict(true, '');
      }
    } else {
      this.successes = 0;
      this.failures++;
      this.onFailure(result.message);
      if (this.verdict !== false && this.failures >= failureThreshold) {
        this.verdict = false;
        this.onVerdict(false, result.message);
        // A failed liveness or startup probe ends the instance; the caller stops this worker.
      }
    }
    // Startup probes stop probing once they have passed.
    if (this.kind === 'startup' && this.verdict === true) return;
    const period = Math.max(1, this.probe.periodSeconds ?? 10) * this.secondMs;
    // Until a readiness probe first passes it is retried every second rather than every period,
    // so a freshly started pod turns Ready as soon as it answers (the sandbox is for dev loops).
    if (result.ok) this.everPassed = true;
    const warmingUp = this.kind === 'readiness' && !this.everPassed;
    this.schedule(warmingUp ? Math.min(period, this.secondMs) : period);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
