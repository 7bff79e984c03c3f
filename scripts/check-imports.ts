/**
 * Import rules the layer list in eslint.config.js cannot express, checked over the resolved import
 * graph of src/ with the TypeScript compiler's own parser (docs/architecture.md):
 *
 * 1. No import cycles, between files of one module or across modules.
 * 2. A module is entered through its `index.ts`: a file may import another module's files only
 *    through that module's index (its public surface). `core` is exempt: its files are small shared
 *    leaves (errors, logger, time maths) that every module uses. An import that must bypass an index
 *    (to keep a heavy dependency out of a fast path) says why in a comment on the line above it that
 *    starts with `deep-import-ok:`.
 *
 * Run by `npm run lint` and scripts/test.sh; exits 1 and lists every violation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Modules whose files may be imported directly from anywhere. */
const OPEN_MODULES = new Set(['core']);

/**
 * Cycles known and being broken, as "a.ts <-> b.ts" (paths under src/). Each entry needs
 * the reason it is allowed; the check fails when an entry no longer matches a cycle, so the list
 * only shrinks.
 */
const KNOWN_CYCLES = new Map<string, string>([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

export interface ImportEdge {
  from: string;
  to: string;
  specifier: string;
  /** The line above says `deep-import-ok: <why>`. */
  exempt: boolean;
}

/** Every relative import, re-export and dynamic import of `file`, resolved to a .ts file. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): ImportEdge[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (literal: ts.Expression, statement: ts.Node) => {
    if (!ts.isStringLiteral(literal) || !literal.text.startsWith('.')) return;
    const comments = ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [];
    const exempt = comments.some((c) => /^\/[/*]\s*deep-import-ok:\s*\S/.test(text.slice(c.pos, c.end)));
    const to = path.resolve(path.dirname(file), literal.text).replace(/\.js$/, '.ts');
    edges.push({ from: file, to, specifier: literal.text, exempt });
  };
  const visit = (node: ts.Node, statement: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0]
    ) {
      add(node.arguments[0], statement);
    }
    ts.forEachChild(node, (child) => visit(child, ts.isStatement(child) ? child : statement));
  };
  ts.forEachChild(sf, (child) => visit(child, child));
  return edges;
}

/** The module (first folder under src/) a file belongs to; undefined for files directly in src/. */
export function moduleOf(file: string): string | undefined {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length > 1 ? rel[0] : undefined;
}

function cycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's strongly connected components: every component of more than one file is a cycle.
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

function main(): number {
  const files = sourceFiles(src);
  const graph = new Map<string, string[]>();
  const problems: string[] = [];
  const rel = (f: string) => path.relative(src, f).split(path.sep).join('/');
  for (const file of files) {
    const edges = importsOf(file);
    graph.set(
      file,
      edges.map((e) => e.to),
    );
    const from = moduleOf(file);
    for (const e of edges) {
      const to = moduleOf(e.to);
      if (to === undefined || to === from || OPEN_MODULES.has(to) || e.exempt) continue;
      if (path.relative(path.join(src, to), e.to) !== 'index.ts') {
        problems.push(
          `src/${rel(file)}: imports '${e.specifier}' inside ${to}/; import from '${to}/index.ts' (its public surface) instead`,
        );
      }
    }
  }
  const seen = new Set<string>();
  for (const comp of cycles(graph)) {
    const name = comp.map(rel).join(' <-> ');
    if (KNOWN_CYCLES.has(name)) {
      seen.add(name);
      continue;
    }
    problems.push(`import cycle: ${name}`);
  }
  for (const name of KNOWN_CYCLES.keys()) {
    if (!seen.has(name)) problems.push(`known cycle '${name}' is gone: remove it from KNOWN_CYCLES`);
  }
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length) process.stderr.write(`check-imports: ${problems.length} problem(s)\n`);
  return problems.length ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
