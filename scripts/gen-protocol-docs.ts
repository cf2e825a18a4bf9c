// Generates docs/protocol.md from protocol/: the method list in methods.ts, the doc comments and
// fields of the params/result interfaces (read with the TypeScript compiler API), and the error table.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import ts from 'typescript';
import { errorCatalog } from '../protocol/errors.js';
import { methods, protocolVersion } from '../protocol/methods.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const protocolDir = join(root, 'protocol');
export const docPath = join(root, 'docs', 'protocol.md');
export const metaModelPath = join(protocolDir, 'metaModel.json');

interface Field {
  name: string;
  optional: boolean;
  type: string;
  doc: string;
}

interface InterfaceDoc {
  name: string;
  doc: string;
  extends: string[];
  fields: Field[];
}

function docOf(node: ts.Node): string {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  return docs
    .map((doc) =>
      typeof doc.comment === 'string' ? doc.comment : (doc.comment ?? []).map((part) => part.text).join(''),
    )
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function collect(dir: string): {
  interfaces: Map<string, InterfaceDoc>;
  methodDocs: Map<string, string>;
  aliases: Map<string, string>;
} {
  const interfaces = new Map<string, InterfaceDoc>();
  const methodDocs = new Map<string, string>();
  const aliases = new Map<string, string>();
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .sort()) {
    const source = ts.createSourceFile(file, readFileSync(join(dir, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node)) {
        interfaces.set(node.name.text, {
          name: node.name.text,
          doc: docOf(node),
          extends: (node.heritageClauses ?? []).flatMap((clause) =>
            clause.types.map((type) => type.expression.getText(source)),
          ),
          fields: node.members.filter(ts.isPropertySignature).map((member) => ({
            name: member.name.getText(source),
            optional: member.questionToken !== undefined,
            type: (member.type?.getText(source) ?? 'unknown').replace(/\s+/g, ' '),
            doc: docOf(member),
          })),
        });
      } else if (ts.isTypeAliasDeclaration(node)) {
        aliases.set(node.name.text, node.type.getText(source).replace(/\s+/g, ' '));
      } else if (ts.isModuleDeclaration(node) && node.body !== undefined && ts.isModuleBlock(node.body)) {
        for (const statement of node.body.statements) {
          if (!ts.isVariableStatement(statement)) continue;
          for (const declaration of statement.declarationList.declarations) {
            const init = declaration.initializer;
            const literal = init !== undefined && ts.isAsExpression(init) ? init.expression : init;
            if (declaration.name.getText(source) === 'method' && literal !== undefined && ts.isStringLiteral(literal)) {
              methodDocs.set(literal.text, docOf(node));
            }
          }
        }
      }
    });
  }
  return { interfaces, methodDocs, aliases };
}

interface Model {
  interfaces: Map<string, InterfaceDoc>;
  aliases: Map<string, string>;
}

function allFields(name: string, model: Model): Field[] {
  const declared = model.interfaces.get(name);
  if (declared === undefined) {
    // `type X = A & B` documents the fields of A and B.
    const alias = model.aliases.get(name);
    if (alias === undefined || !/^[A-Za-z]+( & [A-Za-z]+)*$/.test(alias)) return [];
    return alias.split(' & ').flatMap((part) => allFields(part, model));
  }
  const inherited = declared.extends.flatMap((parent) => allFields(parent, model));
  const own = new Set(declared.fields.map((field) => field.name));
  return [...inherited.filter((field) => !own.has(field.name)), ...declared.fields];
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function fieldTable(name: string, model: Model): string[] {
  const fields = allFields(name, model);
  if (fields.length === 0) return ['_No fields._', ''];
  return [
    '| Field | Type | Description |',
    '|---|---|---|',
    ...fields.map(
      (field) => `| \`${field.name}${field.optional ? '?' : ''}\` | \`${cell(field.type)}\` | ${cell(field.doc)} |`,
    ),
    '',
  ];
}

/** Names of protocol interfaces mentioned in the given type texts, to document them too. */
function referenced(types: string[], interfaces: Map<string, InterfaceDoc>): string[] {
  const names = new Set<string>();
  for (const type of types)
    for (const word of type.match(/[A-Z][A-Za-z]+/g) ?? []) if (interfaces.has(word)) names.add(word);
  return [...names];
}

/** The generated files are formatted as the repository's formatter would, so formatting never makes them stale. */
async function formatted(text: string, path: string, parser: 'markdown' | 'json'): Promise<string> {
  const options = (await resolveConfig(path)) ?? {};
  return format(text, { ...options, parser });
}

export function renderProtocolDoc(dir: string = protocolDir): Promise<string> {
  const { interfaces, methodDocs, aliases } = collect(dir);
  const model: Model = { interfaces, aliases };
  const out: string[] = [
    '# podloop protocol',
    '',
    `<!-- Generated by scripts/gen-protocol-docs.ts from protocol/. Do not edit: run \`npm run docs:protocol\`. -->`,
    '',
    `Protocol version ${protocolVersion}. JSON-RPC 2.0 over stdio with LSP framing (\`Content-Length\` headers). ` +
      "Params are always passed by name. The lifecycle is LSP's: `initialize` first (anything else answers ServerNotInitialized), " +
      '`shutdown` then `exit` last (exit code 0 only after `shutdown`). `initialize` answers `capabilities.methods`, the methods this engine implements; ' +
      'the others answer NotSupportedYet.',
    '',
    '## Methods',
    '',
    '| Method | Kind | Direction | Since | Summary |',
    '|---|---|---|---|---|',
    ...methods.map(
      (info) =>
        `| [\`${info.method}\`](#${info.method.replace(/[^a-zA-Z0-9]/g, '').toLowerCase()}) | ${info.kind} | ${info.direction === 'clientToServer' ? 'client → engine' : 'engine → client'} | ${info.since} | ${cell(info.summary)} |`,
    ),
    '',
  ];
  const documented = new Set<string>();
  for (const info of methods) {
    out.push(`### \`${info.method}\``, '', methodDocs.get(info.method) ?? info.summary, '');
    for (const [label, name] of [
      ['Params', info.params],
      ['Result', info.result],
    ] as const) {
      if (name === undefined) {
        if (label === 'Result' && info.kind === 'notification') continue;
        out.push(`${label}: ${label === 'Params' ? 'none' : '`null`'}.`, '');
        continue;
      }
      const alias = interfaces.has(name) ? undefined : aliases.get(name);
      const about = interfaces.get(name)?.doc ?? (alias !== undefined ? `\`${alias}\`` : '');
      out.push(`${label}: \`${name}\`${about ? ` — ${about}` : ''}`, '', ...fieldTable(name, model));
      documented.add(name);
    }
  }
  const pending = methods
    .flatMap((info) => [info.params, info.result])
    .filter((name): name is string => name !== undefined);
  const extra: string[] = [];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    const types = allFields(name, model).map((field) => field.type);
    for (const child of referenced(types, interfaces)) {
      if (documented.has(child)) continue;
      documented.add(child);
      extra.push(child);
      pending.push(child);
    }
  }
  if (extra.length > 0) {
    out.push('## Shared types', '');
    for (const name of extra.sort())
      out.push(`### \`${name}\``, '', interfaces.get(name)?.doc ?? '', '', ...fieldTable(name, model));
  }
  const kinds = aliases.get('WorkloadKind');
  if (kinds !== undefined) out.push('`WorkloadKind`: ' + `\`${kinds}\``, '');
  out.push(
    '## Error codes',
    '',
    "podloop's own codes live in -32000..-32099; cancellation uses LSP's RequestCancelled (-32800). Clients branch on `code`, never on the message.",
    '',
    '| Code | Name | Meaning | `data` |',
    '|---|---|---|---|',
    ...errorCatalog.map(
      (info) =>
        `| ${info.code} | ${info.name} | ${cell(info.meaning)} | ${info.data !== undefined ? `\`${info.data}\`` : '—'} |`,
    ),
    '',
  );
  const dataTypes = [
    ...new Set(errorCatalog.map((info) => info.data).filter((name): name is string => name !== undefined)),
  ].sort();
  for (const name of dataTypes)
    out.push(`### \`${name}\``, '', interfaces.get(name)?.doc ?? '', '', ...fieldTable(name, model));
  const text =
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n';
  return formatted(text, docPath, 'markdown');
}

/**
 * The machine-readable description for clients in other languages and contract tests: every
 * method with its params/result type names, every structure with its fields, every error code.
 */
export function renderMetaModel(dir: string = protocolDir): Promise<string> {
  const { interfaces, methodDocs, aliases } = collect(dir);
  const model: Model = { interfaces, aliases };
  const structures = [...interfaces.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((declared) => ({
      name: declared.name,
      documentation: declared.doc,
      ...(declared.extends.length > 0 ? { extends: declared.extends } : {}),
      properties: allFields(declared.name, model).map((field) => ({
        name: field.name,
        type: field.type,
        optional: field.optional,
        documentation: field.doc,
      })),
    }));
  const typeAliases = [...aliases.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, type]) => ({ name, type }));
  const document = {
    version: protocolVersion,
    methods: methods.map((info) => ({ ...info, documentation: methodDocs.get(info.method) ?? info.summary })),
    structures,
    typeAliases,
    errors: errorCatalog,
  };
  return formatted(JSON.stringify(document, null, 2) + '\n', metaModelPath, 'json');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(docPath, await renderProtocolDoc());
  writeFileSync(metaModelPath, await renderMetaModel());
  process.stdout.write(`wrote ${docPath} and ${metaModelPath}\n`);
}
