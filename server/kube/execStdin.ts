// An exec channel's stdin as a Writable over the exec WebSocket. What is written while a frame is
// on its way goes out as the next frame, so a writer of many small chunks sends few large frames,
// and a fast writer waits for the socket instead of piling bytes up in memory.

import { Writable } from 'node:stream';

/** The part of a `ws` WebSocket this needs. */
export interface FrameSocket {
  readonly protocol: string;
  readonly readyState: number;
  readonly OPEN: number;
  send(data: Buffer, options: { binary: boolean }, callback: (error?: Error) => void): void;
  close(): void;
  once(event: 'close', listener: () => void): unknown;
}

const STDIN_CHANNEL = 0;
const CLOSE_CHANNEL = 255;
/** Largest payload of one frame; larger writes are split. */
export const MAX_FRAME_PAYLOAD = 256 * 1024;

/**
 * Frames (channel byte first) carrying `chunks` in order, none above MAX_FRAME_PAYLOAD. Full-size
 * frames come from `allocate` when given, so the caller can reuse them.
 */
export function stdinFrames(chunks: readonly Buffer[], allocate?: () => Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  let frame: Buffer | null = null;
  let at = 0;
  for (const chunk of chunks) {
    let from = 0;
    while (from < chunk.length) {
      if (frame === null || at === frame.length) {
        const payload = Math.min(total, MAX_FRAME_PAYLOAD);
        frame = payload === MAX_FRAME_PAYLOAD && allocate ? allocate() : Buffer.allocUnsafe(payload + 1);
        frame[0] = STDIN_CHANNEL;
        at = 1;
        total -= payload;
        frames.push(frame);
      }
      const take = Math.min(chunk.length - from, frame.length - at);
      chunk.copy(frame, at, from, from + take);
      at += take;
      from += take;
    }
  }
  return frames;
}

export function execStdin(socket: FrameSocket): Writable {
  // Full-size frames are reused once sent: a large upload then leaves no megabytes of garbage
  // outside the JS heap behind it.
  const spare: Buffer[] = [];
  const allocate = (): Buffer => spare.pop() ?? Buffer.allocUnsafe(MAX_FRAME_PAYLOAD + 1);
  const release = (frame: Buffer): void => {
    if (frame.length === MAX_FRAME_PAYLOAD + 1 && spare.length < 2) spare.push(frame);
  };
  let pending: ((error?: Error) => void) | null = null;
  const settle = (error?: Error): void => {
    const callback = pending;
    pending = null;
    callback?.(error);
  };
  // A socket that closes under a frame would otherwise leave the writer waiting for ever.
  socket.once('close', () => settle(new Error('the exec channel closed')));

  function send(frames: Buffer[], callback: (error?: Error) => void): void {
    if (socket.readyState !== socket.OPEN) {
      callback(new Error('the exec channel is closed'));
      return;
    }
    pending = callback;
    frames.forEach((frame, i) => {
      // The socket keeps frames in order, so the last one's callback covers them all.
      socket.send(frame, { binary: true }, (error) => {
        release(frame);
        if (i === frames.length - 1) settle(error);
      });
    });
  }

  return new Writable({
    highWaterMark: MAX_FRAME_PAYLOAD,
    writev(chunks, callback) {
      send(
        stdinFrames(
          chunks.map(({ chunk }) => chunk as Buffer),
          allocate,
        ),
        callback,
      );
    },
    final(callback) {
      // v5 can close stdin alone; older protocols can only close the whole connection.
      if (socket.protocol === 'v5.channel.k8s.io') send([Buffer.from([CLOSE_CHANNEL, STDIN_CHANNEL])], callback);
      else {
        socket.close();
        callback();
      }
    },
  });
}
