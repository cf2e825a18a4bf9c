// Shell completion scripts for bash and zsh, generated from the commander program tree so they list
// exactly the commands and options the CLI parses. Pure text generation: nothing here runs a shell.
import type { Command } from 'commander';

export interface CompletionOption {
  /** The long and short flags, e.g. `['--namespace', '-n']`. */
  flags: string[];
  /** Whether the next word is the option's value (`--namespace shop`), not a command. */
  takesValue: boolean;
  description: string;
}

export interface CompletionCommand {
  name: string;
  aliases: string[];
  description: string;
  options: CompletionOption[];
  subcommands: CompletionCommand[];
}

/** The program's visible commands and options; the implicit `help` command is left out. */
export function completionSpec(program: Command): CompletionCommand {
  const help = program.createHelp();
  const walk = (command: Command): CompletionCommand => ({
    name: command.name(),
    aliases: command.aliases(),
    description: command.summary() || command.description(),
    // visibleOptions includes the help option, which commander adds lazily and keeps out of `options`.
    options: help.visibleOptions(command).map((option) => ({
      flags: [option.long, option.short].filter((flag): flag is string => flag !== undefined),
      takesValue: option.required || option.optional,
      description: option.description,
    })),
    subcommands: help
      .visibleCommands(command)
      .filter((sub) => command.commands.includes(sub))
      .map(walk),
  });
  return walk(program);
}

/** One node of the tree, addressed by its canonical path (`podloop sandbox image`). */
interface CommandNode {
  path: string;
  command: CompletionCommand;
  /** Options offered here: this command's, then the program's global ones. */
  options: CompletionOption[];
}

function nodes(spec: CompletionCommand): CommandNode[] {
  const all: CommandNode[] = [];
  const visit = (command: CompletionCommand, path: string) => {
    const own = new Set(command.options.flatMap((option) => option.flags));
    const globals = command === spec ? [] : spec.options.filter((option) => !option.flags.some((f) => own.has(f)));
    all.push({ path, command, options: [...command.options, ...globals] });
    for (const sub of command.subcommands) visit(sub, `${path} ${sub.name}`);
  };
  visit(spec, spec.name);
  return all;
}

/** Single-quotes a word for bash and zsh alike. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function words(list: string[]): string {
  return quote(list.join(' '));
}

/** Case arms mapping "parent-path word" (names and aliases) to the child's canonical path. */
function childArms(all: CommandNode[], indent: string): string[] {
  return all.flatMap((node) =>
    node.command.subcommands.map(
      (sub) =>
        `${indent}${[sub.name, ...sub.aliases].map((word) => quote(`${node.path} ${word}`)).join('|')}) ` +
        `cmdpath=${quote(`${node.path} ${sub.name}`)} ;;`,
    ),
  );
}

/** A case pattern matching every flag that takes a value, anywhere in the tree. */
function valueFlagPattern(all: CommandNode[]): string {
  const flags = all.flatMap((node) => node.options.filter((o) => o.takesValue).flatMap((o) => o.flags));
  // An empty pattern would be a syntax error; this one matches no word a user types.
  return flags.length === 0 ? "''" : [...new Set(flags)].sort().map(quote).join('|');
}

export function bashCompletionScript(spec: CompletionCommand): string {
  const all = nodes(spec);
  const name = spec.name;
  const lines = [
    `# bash completion for ${name}, generated from its command tree by \`${name} completion bash\`.`,
    `# Install: source <(${name} completion bash)`,
    `_${name}() {`,
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    `  local cmdpath=${quote(name)} word i skip=0 commands options`,
    '  # Find the command being typed: follow subcommand names, stepping over options and their values.',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word=${COMP_WORDS[i]}',
    '    if ((skip)); then skip=0; continue; fi',
    '    case $word in',
    '      --) return 0 ;;',
    `      ${valueFlagPattern(all)}) skip=1; continue ;;`,
    '      -*) continue ;;',
    '    esac',
    '    case "$cmdpath $word" in',
    ...childArms(all, '      '),
    '    esac',
    '  done',
    '  case $prev in',
    // An option value (a path, a namespace): leave it to the default completion.
    `    ${valueFlagPattern(all)}) COMPREPLY=(); return 0 ;;`,
    '  esac',
    '  case $cmdpath in',
    ...all.map(
      (node) =>
        `    ${quote(node.path)}) commands=${words(node.command.subcommands.map((sub) => sub.name))}; ` +
        `options=${words(node.options.flatMap((option) => option.flags))} ;;`,
    ),
    '  esac',
    '  if [[ $cur == -* ]]; then',
    '    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")',
    '  else',
    '    mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")',
    '  fi',
    '}',
    // -o default: file names where we offer nothing, e.g. for --local DIR or a command's arguments.
    `complete -o default -F _${name} ${name}`,
    '',
  ];
  return lines.join('\n');
}

/** `_describe` entries: `name:description`, with colons in the name escaped. */
function describeEntries(entries: Array<[string, string]>): string {
  return entries.map(([word, description]) => quote(`${word.replaceAll(':', '\\:')}:${description}`)).join(' ');
}

export function zshCompletionScript(spec: CompletionCommand): string {
  const all = nodes(spec);
  const name = spec.name;
  const lines = [
    `#compdef ${name}`,
    `# zsh completion for ${name}, generated from its command tree by \`${name} completion zsh\`.`,
    `# Install: ${name} completion zsh > "\${fpath[1]}/_${name}" (then start a new shell)`,
    `_${name}() {`,
    // Not `path`: in zsh that array is tied to $PATH.
    `  local cmdpath=${quote(name)} word skip=0 i`,
    '  local -a commands options',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    word=${words[i]}',
    '    if ((skip)); then skip=0; continue; fi',
    '    case $word in',
    '      --) _files; return ;;',
    `      ${valueFlagPattern(all)}) skip=1; continue ;;`,
    '      -*) continue ;;',
    '    esac',
    '    case "$cmdpath $word" in',
    ...childArms(all, '      '),
    '    esac',
    '  done',
    '  case ${words[CURRENT-1]} in',
    `    ${valueFlagPattern(all)}) _files; return ;;`,
    '  esac',
    '  case $cmdpath in',
    ...all.flatMap((node) => [
      `    ${quote(node.path)})`,
      `      commands=(${describeEntries(node.command.subcommands.map((sub) => [sub.name, sub.description]))})`,
      `      options=(${describeEntries(node.options.flatMap((option) => option.flags.map((flag): [string, string] => [flag, option.description])))})`,
      '      ;;',
    ]),
    '  esac',
    '  if [[ ${words[CURRENT]} == -* ]]; then',
    "    _describe -t options 'option' options",
    '  elif (( ${#commands} )); then',
    "    _describe -t commands 'command' commands",
    '  else',
    '    _files',
    '  fi',
    '}',
    // Autoloaded from $fpath the file is the function body; sourced, it registers the function.
    `if [[ $funcstack[1] == _${name} ]]; then`,
    `  _${name} "$@"`,
    'else',
    `  compdef _${name} ${name}`,
    'fi',
    '',
  ];
  return lines.join('\n');
}
