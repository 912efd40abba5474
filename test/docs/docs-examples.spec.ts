/**
 * Docs cannot rot: every fenced ```ts block of README.md and docs/*.md is type-checked, as a
 * module of its own, against the public API ('nestjs-cached', 'nestjs-cached/redis',
 * 'nestjs-cached/compat' map to lib/). All blocks go into ONE TypeScript program, so lib/ is
 * checked once. Blocks tagged ```text (fragments, pseudo-code, log lines) are not checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const VIRTUAL_DIR = path.join(root, '.docs-examples');
/** Pages other issues of this wave write; README links to them already. */
const PENDING_PAGES: string[] = [];

export interface DocBlock {
  /** `docs/keys.md:42` — where the block starts. */
  where: string;
  code: string;
}

/** The ```ts / ```typescript blocks of one markdown text. */
export function tsBlocks(markdown: string, file: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const lines = markdown.split('\n');
  let open: { lang: string; start: number; body: string[]; fence: string } | undefined;
  lines.forEach((line, index) => {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (!open && fence) {
      open = { lang: fence[3].toLowerCase(), start: index + 1, body: [], fence: fence[2] };
    } else if (open && fence && fence[2].startsWith(open.fence) && fence[3] === '') {
      if (open.lang === 'ts' || open.lang === 'typescript') {
        blocks.push({ where: `${file}:${open.start}`, code: dedent(open.body).join('\n') });
      }
      open = undefined;
    } else if (open) {
      open.body.push(line);
    }
  });
  return blocks;
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length);
  const cut = Math.min(...indents, Infinity);
  return lines.map((l) => l.slice(Number.isFinite(cut) ? cut : 0));
}

function markdownFiles(): string[] {
  const docs = fs.existsSync(path.join(root, 'docs'))
    ? fs
        .readdirSync(path.join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...docs];
}

describe('documentation examples', () => {
  const blocks = markdownFiles().flatMap((file) =>
    tsBlocks(fs.readFileSync(path.join(root, file), 'utf8'), file),
  );

  it('links only to pages and headings that exist', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]+/g, '')
        .replace(/ /g, '-');
    const anchors = (file: string) =>
      new Set(
        fs
          .readFileSync(path.join(root, file), 'utf8')
          .split('\n')
          .filter((line) => /^#{1,6} /.test(line))
          .map((line) => slug(line.replace(/^#+ /, ''))),
      );
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [page, anchor] = target.split('#');
        const resolved = page ? path.normalize(path.join(path.dirname(file), page)) : file;
        if (PENDING_PAGES.includes(resolved) && !fs.existsSync(path.join(root, resolved))) continue;
        if (!fs.existsSync(path.join(root, resolved))) broken.push(`${file}: ${target}`);
        else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('finds the examples of README.md and docs/', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(15);
    expect(blocks.some((b) => b.where.startsWith('README.md'))).toBe(true);
  });

  it('type-checks every ```ts block against the public API, in one program', () => {
    // A block that must fail, checked in the same program: proves the check sees real errors.
    const canary: DocBlock = {
      where: 'canary.md:1',
      code: "import { CacheService } from 'nestjs-cached';\nconst n: number = CacheService;",
    };
    const virtual = new Map<string, DocBlock>();
    [...blocks, canary].forEach((block, index) => {
      const name = `${block.where.replace(/[^\w]+/g, '_')}_${index}.ts`;
      // `export {}` makes every block a module, so two blocks may both declare `AppModule`.
      virtual.set(path.join(VIRTUAL_DIR, name), { ...block, code: `${block.code}\nexport {};\n` });
    });
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      lib: ['lib.es2022.d.ts'],
      types: ['node', 'jest'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      baseUrl: root,
      paths: {
        'nestjs-cached': ['lib/index.ts'],
        'nestjs-cached/redis': ['lib/redis/index.ts'],
        'nestjs-cached/compat': ['lib/compat/index.ts'],
      },
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (file) => virtual.has(path.resolve(file)) || fileExists.call(host, file);
    host.readFile = (file) => virtual.get(path.resolve(file))?.code ?? readFile.call(host, file);
    host.getSourceFile = (file, language, onError, create) => {
      const block = virtual.get(path.resolve(file));
      if (block) return ts.createSourceFile(file, block.code, language, true);
      return getSourceFile.call(host, file, language, onError, create);
    };
    const program = ts.createProgram([...virtual.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && virtual.has(path.resolve(d.file.fileName)))
      .map((d) => {
        const block = virtual.get(path.resolve(d.file!.fileName))!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const [file, start] = block.where.split(':');
        const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        return `${file}:${Number(start) + line + 1}: ${text}`;
      });
    expect(problems.filter((p) => p.startsWith('canary.md:'))).toHaveLength(1);
    expect(problems.filter((p) => !p.startsWith('canary.md:'))).toEqual([]);
  });
});
