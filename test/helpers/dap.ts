// A small Debug Adapter Protocol client for tests: Content-Length framed JSON over TCP, requests
// answered by their seq, events kept so a test can wait for one that arrived before it asked.
import { connect } from 'node:net';
import type { Socket } from 'node:net';

interface DapMessage {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  event?: string;
  body?: unknown;
}

interface EventWaiter {
  event: string;
  resolve(body: unknown): void;
  reject(error: Error): void;
}

export class DapClient {
  private nextSeq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve(body: unknown): void; reject(error: Error): void }>();
  private readonly events: { event: string; body: unknown }[] = [];
  private readonly waiters: EventWaiter[] = [];
  /** Names of every event received, for failure messages. */
  private readonly seen: string[] = [];
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (error: Error): void => {
      this.closedError = error;
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the debug adapter closed the connection')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<DapClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => {
        socket.off('error', reject);
        resolve(new DapClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends a request; resolves with the response body, rejects when the adapter answers success: false. */
  request(command: string, args: object = {}): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const seq = this.nextSeq++;
    const text = JSON.stringify({ seq, type: 'request', command, arguments: args });
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.socket.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    });
  }

  /**
   * The body of the first event named `event` not yet taken, waiting for it if need be; after
   * `deadlineMs` it fails with the events seen, so a breakpoint that is never hit fails the test.
   */
  nextEvent(event: string, deadlineMs = 30_000): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const index = this.events.findIndex((received) => received.event === event);
    if (index >= 0) return Promise.resolve(this.events.splice(index, 1)[0]!.body);
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        event,
        resolve: (body) => {
          clearTimeout(timer);
          resolve(body);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        const seen = this.seen.join(', ') || 'none';
        reject(new Error(`no '${event}' event within ${deadlineMs / 1000} s; events seen: ${seen}`));
      }, deadlineMs);
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = /Content-Length: *(\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'));
      if (length === null) throw new Error('a DAP message without Content-Length');
      const end = headerEnd + 4 + Number(length[1]);
      if (this.buffer.length < end) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, end).toString('utf8')) as DapMessage;
      this.buffer = this.buffer.subarray(end);
      this.dispatch(message);
    }
  }

  private dispatch(message: DapMessage): void {
    if (message.type === 'response' && message.request_seq !== undefined) {
      const waiting = this.pending.get(message.request_seq);
      this.pending.delete(message.request_seq);
      if (message.success === true) waiting?.resolve(message.body);
      else waiting?.reject(new Error(`${message.command ?? 'request'} failed: ${message.message ?? 'no message'}`));
    } else if (message.type === 'event' && message.event !== undefined) {
      this.seen.push(message.event);
      const index = this.waiters.findIndex((waiter) => waiter.event === message.event);
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message.body);
      else this.events.push({ event: message.event, body: message.body });
    }
  }
}

export interface BreakpointHit {
  /** The `stopped` event's reason, `breakpoint` when the breakpoint was hit. */
  reason: string;
  /** The top stack frame at the stop, with the source path as the client sees it. */
  frame: { name: string; line: number; path: string | undefined };
  /** The expression evaluated in that frame. */
  value: string;
}

/**
 * What an IDE does on attach to the adapter on `port`: initialize, attach, set one breakpoint once
 * the adapter is initialized, configurationDone, then on the stop read the top frame and evaluate
 * `expression` there; then disconnect. debugpy answers attach only after configurationDone, so the
 * attach response is awaited last.
 */
export async function attachAndBreak(
  port: number,
  options: { adapterID: string; attach: object; path: string; line: number; expression: string },
): Promise<BreakpointHit> {
  const client = await DapClient.connect(port);
  try {
    const hit = await breakOnce(client, options);
    await client.request('disconnect', {});
    return hit;
  } finally {
    client.close();
  }
}

async function breakOnce(
  client: DapClient,
  options: { adapterID: string; attach: object; path: string; line: number; expression: string },
): Promise<BreakpointHit> {
  await client.request('initialize', {
    clientID: 'podloop-test',
    adapterID: options.adapterID,
    linesStartAt1: true,
    columnsStartAt1: true,
    pathFormat: 'path',
  });
  const attached = client.request('attach', options.attach);
  // Awaited below; a failure before then must not surface as an unhandled rejection.
  attached.catch(() => undefined);
  await client.nextEvent('initialized');
  const set = (await client.request('setBreakpoints', {
    source: { path: options.path },
    breakpoints: [{ line: options.line }],
  })) as { breakpoints: { verified: boolean; message?: string }[] };
  if (set.breakpoints[0]?.verified !== true)
    throw new Error(`breakpoint not verified: ${JSON.stringify(set.breakpoints)}`);
  await client.request('configurationDone');
  await attached;
  const stopped = (await client.nextEvent('stopped')) as { reason: string; threadId: number };
  const trace = (await client.request('stackTrace', { threadId: stopped.threadId, levels: 1 })) as {
    stackFrames: { id: number; name: string; line: number; source?: { path?: string } }[];
  };
  const top = trace.stackFrames[0];
  if (top === undefined) throw new Error('the stopped thread has no stack frame');
  const evaluated = (await client.request('evaluate', {
    expression: options.expression,
    frameId: top.id,
    context: 'repl',
  })) as { result: string };
  return {
    reason: stopped.reason,
    frame: { name: top.name, line: top.line, path: top.source?.path },
    value: evaluated.result,
  };
}
