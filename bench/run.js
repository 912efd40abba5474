// Entry of `npm run bench`: transpiles lib/ and bench/ (see transpile.js), then runs the harness
// (bench/main.ts) from the JavaScript, servers included.
const path = require('node:path');
const { transpileTree } = require('./transpile');

const root = path.resolve(__dirname, '..');
const outDir = path.join(__dirname, 'results', 'raw', '.build');
const count = transpileTree(root, ['lib', 'bench'], outDir);
console.log(`[bench] transpiled ${count} files to ${path.relative(root, outDir)}`);
require(path.join(outDir, 'bench', 'main.js'));
