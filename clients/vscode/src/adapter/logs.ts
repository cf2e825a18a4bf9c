// Shows `logs/lines` streams (a workload's logs, a run's output) in one OutputChannel each, and
// stops them in the engine when asked or when the extension goes away.
import * as vscode from 'vscode';
import { LogsFollow, LogsStop } from '../../../../protocol/logs.js';
import type { WorkloadParams } from '../../../../protocol/dev.js';
import type { EngineClient } from '../engine/engineClient.js';

interface LogStream {
  engine: EngineClient;
  streamId: string;
  channel: vscode.OutputChannel;
  subscription: { dispose(): void };
  /** Listeners that live as long as the stream. */
  owned: { dispose(): void }[];
  /** How the engine is told to end it (logs/stop, run/stop). */
  stop(): Promise<unknown>;
}

/** Starts a stream in the engine and answers its id; lines may arrive before the answer. */
export type StreamOpener = () => Promise<string>;

export class LogChannels implements vscode.Disposable {
  private readonly streams = new Map<string, LogStream>();

  follow(engine: EngineClient, workload: WorkloadParams): Promise<void> {
    return this.open(
      engine,
      `logs:${workload.namespace ?? ''}/${workload.kind}/${workload.name}`,
      `podloop logs: ${workload.name}`,
      async () => (await engine.request(LogsFollow.type, { ...workload, follow: true })).streamId,
      (streamId) => engine.request(LogsStop.type, { streamId }),
    );
  }

  /** Shows a stream under `key`; a second open of the same key just shows the channel again. */
  async open(
    engine: EngineClient,
    key: string,
    title: string,
    start: StreamOpener,
    stop: (streamId: string) => Promise<unknown>,
  ): Promise<void> {
    const existing = this.streams.get(key);
    if (existing !== undefined) {
      existing.channel.show(true);
      return;
    }
    const channel = vscode.window.createOutputChannel(title);
    channel.show(true);
    // Lines can arrive before the answer that names the stream: keep them until it does.
    const early: { streamId: string; text: string[] }[] = [];
    let streamId: string | undefined;
    const subscription = engine.onLogLines((batch) => {
      const text = batch.lines.map((line) => `[${line.pod}/${line.container}] ${line.text}`);
      if (streamId === undefined) early.push({ streamId: batch.streamId, text });
      else if (batch.streamId === streamId) {
        for (const line of text) channel.appendLine(line);
        if (batch.end === true) {
          channel.appendLine('-- stream ended --');
          subscription.dispose();
          if (this.streams.get(key)?.streamId === streamId) this.streams.delete(key);
        }
      }
    });
    try {
      streamId = await start();
    } catch (error) {
      subscription.dispose();
      channel.dispose();
      throw error;
    }
    for (const batch of early) if (batch.streamId === streamId) for (const line of batch.text) channel.appendLine(line);
    const id = streamId;
    this.streams.set(key, { engine, streamId: id, channel, subscription, owned: [], stop: () => stop(id) });
  }

  /** The engine's id of the stream under `key` (a log stream id or a run id). */
  streamIdOf(key: string): string | undefined {
    return this.streams.get(key)?.streamId;
  }

  /** Adds a line of podloop's own to a stream's channel. */
  note(key: string, text: string): void {
    this.streams.get(key)?.channel.appendLine(`-- ${text} --`);
  }

  /** Disposes `listener` when the stream under `key` is closed. */
  own(key: string, listener: { dispose(): void }): void {
    const stream = this.streams.get(key);
    if (stream === undefined) listener.dispose();
    else stream.owned.push(listener);
  }

  /** Keys of the open streams starting with `prefix`. */
  keys(prefix: string): string[] {
    return [...this.streams.keys()].filter((key) => key.startsWith(prefix));
  }

  /** Stops one stream; its channel stays open with what it showed. */
  async close(key: string): Promise<void> {
    const stream = this.streams.get(key);
    if (stream === undefined) return;
    this.streams.delete(key);
    stream.subscription.dispose();
    for (const listener of stream.owned) listener.dispose();
    stream.channel.appendLine('-- stopped --');
    await stream.stop();
  }

  async stopAll(): Promise<void> {
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(
      streams.map(async (stream) => {
        stream.subscription.dispose();
        for (const listener of stream.owned) listener.dispose();
        await stream.stop().catch(() => undefined);
        stream.channel.dispose();
      }),
    );
  }

  dispose(): void {
    void this.stopAll();
  }
}
