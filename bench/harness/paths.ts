import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(from: string): string {
  // The harness runs from bench/ (ts-node) or from a transpiled copy inside bench/results/.
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${from}`);
}

/** The repository root (where package.json and node_modules are). */
export const REPO_ROOT = findRoot(__dirname);

/** The source bench/ folder: RESULTS.md and results/ live here, whatever runs the harness. */
export const BENCH_DIR = path.join(REPO_ROOT, 'bench');

/** `.js` when the harness runs transpiled (npm run bench), `.ts` under ts-node. */
export const MODULE_EXT = path.extname(__filename);

/** Path of a harness module next to the running code, e.g. `entry(__dirname, 'server-main')`. */
export function entry(dir: string, name: string): string {
  return path.join(dir, name + MODULE_EXT);
}
