// Follows a workload's logs into its own OutputChannel; closing the stream stops it in the engine.
import * as vscode from 'vscode';
import { LogsFollow, LogsStop } from '../../../../protocol/logs.js';
import type { WorkloadParams } from '../../../../protocol/dev.js';
import type { EngineClient } from '../engine/engineClient.js';

interface LogStream {
  engine: EngineClient;
  streamId: string;
  channel: vscode.OutputChannel;
  subscription: { dispose(): void };
}

export class LogChannels implements vscode.Disposable {
  private readonly streams = new Map<string, LogStream>();

  async follow(engine: EngineClient, workload: WorkloadParams): Promise<void> {
    const key = `${workload.namespace ?? ''}/${workload.kind}/${workload.name}`;
    const existing = this.streams.get(key);
    if (existing !== undefined) {
      existing.channel.show(true);
      return;
    }
    const channel = vscode.window.createOutputChannel(`podloop logs: ${workload.name}`);
    channel.show(true);
    // Lines can arrive before the answer that names the stream: keep them until it does.
    const early: { streamId: string; text: string[] }[] = [];
    let streamId: string | undefined;
    const subscription = engine.onLogLines((batch) => {
      const text = batch.lines.map((line) => `[${line.pod}/${line.container}] ${line.text}`);
      if (streamId === undefined) early.push({ streamId: batch.streamId, text });
      else if (batch.streamId === streamId) {
        for (const line of text) channel.appendLine(line);
        if (batch.end === true) channel.appendLine('-- log stream ended --');
      }
    });
    try {
      streamId = (await engine.request(LogsFollow.type, { ...workload, follow: true })).streamId;
    } catch (error) {
      subscription.dispose();
      channel.dispose();
      throw error;
    }
    for (const batch of early) if (batch.streamId === streamId) for (const line of batch.text) channel.appendLine(line);
    this.streams.set(key, { engine, streamId, channel, subscription });
  }

  async stopAll(): Promise<void> {
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(
      streams.map(async (stream) => {
        stream.subscription.dispose();
        await stream.engine.request(LogsStop.type, { streamId: stream.streamId }).catch(() => undefined);
        stream.channel.dispose();
      }),
    );
  }

  dispose(): void {
    void this.stopAll();
  }
}
