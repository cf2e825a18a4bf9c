// Adapts a podloop command to commander: merged options, positional arguments, and an engine
// session around the action.
import type { Command } from 'commander';
import { withEngine } from '../engineSession.js';
import type { CliEngine, GlobalOptions } from '../engineSession.js';

export type CommandOptions = GlobalOptions & Record<string, unknown>;

export type CommandAction = (options: CommandOptions, args: string[], engine: CliEngine) => Promise<void>;

/** The handler commander calls; the last argument it passes is the command itself. */
export function run(action: CommandAction): (...raw: unknown[]) => Promise<void> {
  return (...raw) => {
    const command = raw[raw.length - 1] as Command;
    const options = command.optsWithGlobals<CommandOptions>();
    return withEngine(options, (engine) => action(options, command.args, engine));
  };
}
