#!/usr/bin/env node
/*
 * Second half of `npm run build`: turns tsc's ES-module output in dist/esm (tsconfig.esm.json)
 * into a build that Node's ESM loader accepts, then checks it.
 *
 * Why: the sources import `./cache.module` (no extension) because the CommonJS build and Jest
 * want that; Node's ESM loader resolves nothing implicitly, so every relative specifier in
 * dist/esm (.js and .d.ts) becomes `./cache.module.js` or `./decorators/index.js`. Deep imports
 * into packages without an "exports" map (Nest 11's `@nestjs/core/injector/...`) get the same
 * treatment, which also matches Nest 12's `"./*.js"` export pattern.
 *
 * It fails the build (exit 1) when:
 * - a relative specifier points at nothing,
 * - an ESM file uses a CommonJS-only global (`require`, `__dirname`, `__filename`, `module`,
 *   `exports`), which would throw a ReferenceError the first time it runs under ESM,
 * - an entry point of package.json "exports" has an `import` target that does not load, or
 *   that exports other names than its `require` twin.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const esmDir = path.join(root, 'dist', 'esm');
const CJS_ONLY_GLOBALS = new Set(['require', '__dirname', '__filename', 'module', 'exports']);

const errors = [];
const notes = [];

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

const isFile = (p) => fs.existsSync(p) && fs.statSync(p).isFile();
const rel = (p) => path.relative(root, p);

/** `./x` -> `./x.js` | `./x/index.js`, looking for the .js (or, for a .d.ts, the .d.ts) twin. */
function resolveRelative(file, spec) {
  if (/\.(m?js|cjs)$/.test(spec)) return spec;
  if (/\.json$/.test(spec)) {
    errors.push(
      `${rel(file)}: imports JSON (${spec}); Node's ESM needs an import attribute for it`,
    );
    return spec;
  }
  const ext = file.endsWith('.d.ts') ? '.d.ts' : '.js';
  const base = path.resolve(path.dirname(file), spec);
  if (isFile(base + ext)) return `${spec}.js`;
  if (isFile(path.join(base, `index${ext}`))) return `${spec.replace(/\/$/, '')}/index.js`;
  errors.push(`${rel(file)}: cannot resolve '${spec}' (no ${spec}${ext} nor ${spec}/index${ext})`);
  return spec;
}

/** `@nestjs/core/injector/x` -> `@nestjs/core/injector/x.js` when the package has no "exports". */
function resolveDeepImport(file, spec) {
  const parts = spec.split('/');
  const nameLength = spec.startsWith('@') ? 2 : 1;
  if (parts.length <= nameLength || /\.(m?js|cjs|json)$/.test(spec)) return spec;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = parts.slice(nameLength).join('/');
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve(`${name}/package.json`, { paths: [root] }));
  } catch {
    return spec; // not installed, or its "exports" hides package.json: it owns its subpaths
  }
  if (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).exports) return spec;
  let fixed = spec;
  if (isFile(path.join(pkgDir, `${subpath}.js`))) fixed = `${spec}.js`;
  else if (isFile(path.join(pkgDir, subpath, 'index.js'))) fixed = `${spec}/index.js`;
  notes.push(`${rel(file)}: deep import '${spec}' -> '${fixed}' (prefer the package root)`);
  return fixed;
}

function rewriteSpecifiers(file) {
  const text = fs.readFileSync(file, 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  let out = '';
  let last = 0;
  for (const { fileName, pos } of importedFiles) {
    // pos is at (or just before) the opening quote; replace exactly the specifier's text.
    const start = text.indexOf(fileName, pos);
    if (start < 0 || !`'"`.includes(text[start - 1])) {
      errors.push(`${rel(file)}: cannot locate the specifier '${fileName}' at offset ${pos}`);
      continue;
    }
    const fixed = fileName.startsWith('.')
      ? resolveRelative(file, fileName)
      : resolveDeepImport(file, fileName);
    out += text.slice(last, start) + fixed;
    last = start + fileName.length;
  }
  out += text.slice(last);
  if (out !== text) fs.writeFileSync(file, out);
}

function checkNoCommonJsGlobals(file) {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const declared = new Set();
  const uses = [];
  const visit = (node) => {
    if (ts.isIdentifier(node) && CJS_ONLY_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isDeclaration =
        (ts.isVariableDeclaration(parent) ||
          ts.isParameter(parent) ||
          ts.isFunctionDeclaration(parent) ||
          ts.isClassDeclaration(parent) ||
          ts.isImportSpecifier(parent) ||
          ts.isNamespaceImport(parent) ||
          ts.isImportClause(parent)) &&
        parent.name === node;
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) ||
          ts.isPropertyAssignment(parent) ||
          ts.isMethodDeclaration(parent) ||
          ts.isPropertyDeclaration(parent) ||
          ts.isExportSpecifier(parent)) &&
        parent.name === node;
      if (isDeclaration) declared.add(node.text);
      else if (!isPropertyName) uses.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const node of uses.filter((n) => !declared.has(n.text))) {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    errors.push(`${rel(file)}:${line + 1}: uses the CommonJS-only global '${node.text}'`);
  }
}

/** Every "exports" entry with import and require targets: both load, and export the same names. */
async function checkEntryPoints() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const target = (cond) => (typeof cond === 'string' ? cond : cond && cond.default);
  for (const [subpath, conditions] of Object.entries(pkg.exports || {})) {
    if (typeof conditions !== 'object' || !conditions.import || !conditions.require) continue;
    const esmFile = path.join(root, target(conditions.import));
    const cjsFile = path.join(root, target(conditions.require));
    for (const f of [esmFile, cjsFile]) {
      if (!isFile(f)) errors.push(`exports['${subpath}']: ${rel(f)} was not built`);
    }
    if (!isFile(esmFile) || !isFile(cjsFile)) continue;
    let cjs;
    try {
      cjs = require(cjsFile);
    } catch (e) {
      notes.push(
        `exports['${subpath}']: not loaded here, its CommonJS build fails too: ${e.message}`,
      );
      continue;
    }
    let esm;
    try {
      esm = await import(pathToFileURL(esmFile).href);
    } catch (e) {
      errors.push(`exports['${subpath}']: ${rel(esmFile)} does not load under ESM: ${e.stack}`);
      continue;
    }
    const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule');
    const missing = names(cjs).filter((k) => !(k in esm));
    const extra = names(esm).filter((k) => !(k in cjs));
    if (missing.length || extra.length) {
      errors.push(
        `exports['${subpath}']: ESM and CommonJS builds differ ` +
          `(missing in ESM: ${missing.join(', ') || '-'}; only in ESM: ${extra.join(', ') || '-'})`,
      );
    }
  }
}

async function main() {
  if (!fs.existsSync(esmDir))
    throw new Error(`${rel(esmDir)} is missing: run tsc -p tsconfig.esm.json`);
  const files = walk(esmDir).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'));
  for (const file of files) rewriteSpecifiers(file);
  for (const file of files.filter((f) => f.endsWith('.js'))) checkNoCommonJsGlobals(file);
  // dist/esm/*.js are ES modules whatever the root package.json says.
  fs.writeFileSync(path.join(esmDir, 'package.json'), '{\n  "type": "module"\n}\n');
  if (!errors.length) await checkEntryPoints();

  for (const note of notes) console.warn(`fix-esm-build: note: ${note}`);
  if (errors.length) {
    for (const error of errors) console.error(`fix-esm-build: error: ${error}`);
    process.exit(1);
  }
  console.log(`fix-esm-build: ${files.length} files in ${rel(esmDir)} ready for Node's ESM loader`);
  process.exit(0); // nothing the entry points started at import time may hold the build open
}

main().catch((e) => {
  console.error(`fix-esm-build: ${e.stack || e}`);
  process.exit(1);
});
