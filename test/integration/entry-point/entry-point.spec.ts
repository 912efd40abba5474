import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

/** Loads a module in a fresh Node process (through ts-node) and lists the Redis modules it loaded. */
function redisModulesLoadedBy(specifier: string): string[] {
  const script = `
    require(${JSON.stringify(specifier)});
    const loaded = Object.keys(require.cache).filter((f) => /[\\\\/]@(redis|keyv[\\\\/]redis)[\\\\/]/.test(f));
    process.stdout.write(JSON.stringify(loaded));
  `;
  const out = execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'reflect-metadata', '-e', script],
    { cwd: root, env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.json') } },
  );
  return JSON.parse(out.toString());
}

describe('entry points', () => {
  it('importing nestjs-cached loads no Redis client', () => {
    expect(redisModulesLoadedBy('./lib/index.ts')).toEqual([]);
  });

  it('nestjs-cached/redis does (the check above would see one)', () => {
    expect(redisModulesLoadedBy('./lib/redis/index.ts').length).toBeGreaterThan(0);
  });
});
