// Reads one container's log over the Kubernetes log API (client-node), always with runtime
// timestamps, and hands complete lines to the caller, whose pace slows the stream (backpressure).
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { clientNode } from './clientNode.js';
import { LineSplitter, parseTimedLine } from '../logs/lines.js';
import type { TimedLine } from '../logs/lines.js';
import type { ContainerTarget } from './exec.js';
import type { Kube } from './index.js';

export interface ContainerLogOptions {
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339; wins over sinceSeconds. */
  sinceTime?: string;
  previous?: boolean;
}

/**
 * Streams the log until it ends (container exited, not following) or the signal aborts. `onLines`
 * may return a promise: the HTTP stream pauses until it settles. Rejects when the API refuses.
 */
export async function readContainerLog(
  kube: Kube,
  target: ContainerTarget,
  options: ContainerLogOptions,
  onLines: (lines: TimedLine[]) => Promise<void> | void,
  signal: AbortSignal,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  const splitter = new LineSplitter();
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      const lines = splitter.push(decoder.write(chunk)).map(parseTimedLine);
      void Promise.resolve(lines.length > 0 ? onLines(lines) : undefined).then(
        () => callback(),
        (error: unknown) => callback(error as Error),
      );
    },
    final(callback) {
      const rest = splitter.push(decoder.end()).concat(splitter.flush()).map(parseTimedLine);
      void Promise.resolve(rest.length > 0 ? onLines(rest) : undefined).then(
        () => callback(),
        () => callback(),
      );
    },
  });
  sink.on('finish', () => finished());
  sink.on('error', () => finished());
  const { Log } = await clientNode();
  const controller = await new Log(kube.config).log(target.namespace, target.pod, target.container, sink, {
    follow: options.follow,
    timestamps: true,
    ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    ...(options.sinceTime !== undefined
      ? { sinceTime: options.sinceTime }
      : options.sinceSeconds !== undefined
        ? { sinceSeconds: options.sinceSeconds }
        : {}),
    ...(options.previous === true ? { previous: true } : {}),
  });
  const stop = (): void => {
    controller.abort();
    finished();
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  try {
    await done;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
