// Transpiles lib/ and bench/ to JavaScript with TypeScript's transpileModule (no type check, the
// same output as ts-node --transpile-only), so that no measured process carries ts-node: it loads
// the TypeScript compiler and Node's `domain` module, which slows every EventEmitter.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

function compilerOptions(root) {
  const file = path.join(root, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
  // The harness is CommonJS whatever the project's module setting becomes.
  return {
    ...parsed.options,
    module: ts.ModuleKind.CommonJS,
    sourceMap: false,
    inlineSourceMap: false,
    declaration: false,
  };
}

function* sources(dir, skip) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.includes(full)) yield* sources(full, skip);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

/** Writes `<outDir>/<dir>/**.js` for each of `dirs` (relative to `root`); returns the file count. */
function transpileTree(root, dirs, outDir) {
  const options = compilerOptions(root);
  fs.rmSync(outDir, { recursive: true, force: true });
  let count = 0;
  for (const dir of dirs) {
    for (const file of sources(path.join(root, dir), [path.join(root, 'bench', 'results')])) {
      const source = fs.readFileSync(file, 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: options,
        fileName: file,
      });
      const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, outputText);
      count++;
    }
  }
  return count;
}

module.exports = { transpileTree };
