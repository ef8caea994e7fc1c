// What a built bundle loads at run time, read from its syntax tree (the
// bundler's own parser, vite's parseAst): import declarations, export-from,
// import(), require(), require.resolve() and createRequire(...)(...) — and
// whether the code is loaded or only located (require.resolve). A
// specifier that is not a string literal is reported as dynamic, with the
// source text of the expression, so a test can account for each one.
import { parseAst } from 'vite';

export interface ModuleRequests {
  /** Literal specifiers, in order of appearance. */
  literal: { specifier: string; how: 'import' | 'require' | 'resolve' }[];
  /** Source text of specifiers computed at run time. */
  dynamic: { expression: string; how: 'import' | 'require' | 'resolve' }[];
}

type Node = { type: string; start: number; end: number; [key: string]: unknown };

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';
}

function literalOf(n: unknown): string | null {
  if (!isNode(n)) return null;
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'TemplateLiteral' && (n.expressions as unknown[]).length === 0) return ((n.quasis as { value: { cooked: string } }[])[0]).value.cooked;
  return null;
}

/** `require`, `require$1`, `__require`, or a call of createRequire(...) itself. */
function isRequireCallee(callee: Node): boolean {
  if (callee.type === 'Identifier') return /^(_*require(\$\d+)?|req)$/.test(callee.name as string);
  return callee.type === 'CallExpression' && isNode(callee.callee) && callee.callee.type === 'Identifier' && /createRequire/.test(callee.callee.name as string);
}

export function moduleRequests(code: string): ModuleRequests {
  const out: ModuleRequests = { literal: [], dynamic: [] };
  const note = (arg: unknown, how: 'import' | 'require' | 'resolve') => {
    const s = literalOf(arg);
    if (s !== null) out.literal.push({ specifier: s, how });
    else if (isNode(arg)) out.dynamic.push({ expression: code.slice(arg.start, arg.end), how });
  };
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!isNode(n)) return;
    switch (n.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
        note(n.source, 'import');
        break;
      case 'ExportNamedDeclaration':
        if (n.source) note(n.source, 'import');
        break;
      case 'ImportExpression':
        note(n.source, 'import');
        break;
      case 'CallExpression': {
        const callee = n.callee as Node;
        const args = n.arguments as unknown[];
        if (isRequireCallee(callee)) note(args[0], 'require');
        else if (callee.type === 'MemberExpression' && isNode(callee.object) && isRequireCallee(callee.object) && (callee.property as Node).name === 'resolve') note(args[0], 'resolve');
        break;
      }
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'type' && typeof value === 'object') visit(value);
  };
  visit(parseAst(code));
  return out;
}

/** The package a bare specifier names ("@scope/name/sub" -> "@scope/name"), or null for a relative path, a URL or a builtin. */
export function packageOf(specifier: string, builtins: readonly string[]): string | null {
  if (/^(\.|\/|[a-z]+:)/.test(specifier) || builtins.includes(specifier) || builtins.includes(specifier.split('/')[0])) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
