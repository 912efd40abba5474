import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT as ROOT } from '../harness/paths';

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Versions of the packages under test and of the harness's tools. */
  packages: Record<string, string>;
  gitCommit: string;
  /** How server and load generator were placed on CPUs. */
  pinning: string;
}

const PACKAGES = [
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  'express',
  'fastify',
  '@nestjs/cache-manager',
  'cache-manager',
  'keyv',
  'lru-cache',
  'autocannon',
  'tinybench',
];

function version(name: string): string {
  try {
    const file = path.join(ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'absent';
  }
}

function cpuModel(): string {
  try {
    const line = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (line) return line[1].trim();
  } catch {
    // not Linux: fall back on what Node says
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function gitCommit(): string {
  try {
    const run = (args: string[]): string =>
      execFileSync('git', args, {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    const head = run(['rev-parse', '--short', 'HEAD']).trim();
    const dirty = run(['status', '--porcelain', '--', 'lib']).trim()
      ? ' + uncommitted lib/ changes'
      : '';
    return head + dirty;
  } catch {
    return 'unknown';
  }
}

export function machineFacts(pinning: string): MachineFacts {
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    packages: Object.fromEntries(PACKAGES.map((name) => [name, version(name)])),
    gitCommit: gitCommit(),
    pinning,
  };
}
