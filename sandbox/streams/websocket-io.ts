// Moves bytes between Node streams and one channel of a channel-framed WebSocket with bounded
// buffering: the source pauses while too much is queued on the socket, the socket pauses while the
// sink is full.

import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import { encodeChannelFrame } from './channels.js';

/** Bytes queued on the WebSocket before the source is paused. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/** Sends one binary channel message; `done` runs once the bytes reached the socket (or were dropped). */
export function sendChannel(ws: WebSocket, channel: number, payload?: Uint8Array, done?: () => void): void {
  if (ws.readyState !== WebSocket.OPEN) {
    done?.();
    return;
  }
  ws.send(encodeChannelFrame(channel, payload), { binary: true }, () => done?.());
}

/** Copies `source` onto `channel`; resolves when the source ended, failed or closed. */
export function pumpToChannel(ws: WebSocket, channel: number, source: Readable): Promise<void> {
  return new Promise((resolve) => {
    let queued = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      source.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      queued += chunk.length;
      sendChannel(ws, channel, chunk, () => {
        queued -= chunk.length;
        if (queued <= LOW_WATER && source.isPaused() && !finished) source.resume();
      });
      if (queued > HIGH_WATER) source.pause();
    };
    source.on('data', onData);
    source.once('end', finish);
    source.once('close', finish);
    source.once('error', finish);
  });
}

/** Writes a client payload into `sink`, pausing the WebSocket until the sink drains. */
export function writeToSink(ws: WebSocket, sink: Writable, payload: Buffer): void {
  if (sink.destroyed || sink.writableEnded) return;
  if (!sink.write(payload) && !ws.isPaused) {
    ws.pause();
    const resume = (): void => {
      sink.off('drain', resume);
      sink.off('close', resume);
      ws.resume();
    };
    sink.once('drain', resume);
    sink.once('close', resume);
  }
}
