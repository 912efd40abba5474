import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from './free-port';
import { RedisServer } from './redis-server';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port free on 127.0.0.1 whose cluster-bus twin (port + 10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 > 65_535) continue;
    const { createServer } = await import('node:net');
    const busFree = await new Promise<boolean>((resolve) => {
      const probe = createServer().once('error', () => resolve(false));
      probe.listen(port + 10_000, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
}

/** A real Redis Cluster of `masters` masters and no replicas, started by the test. */
export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const nodes: RedisServer[] = [];
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await RedisServer.startOn(await freeClusterPort(), [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    const cluster = new RedisCluster(nodes);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await cluster.waitUntilOk(10_000);
    return cluster;
  }

  get rootNodes(): string[] {
    return this.nodes.map((n) => n.url);
  }

  async waitUntilOk(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        this.nodes.map((n) =>
          run('redis-cli', ['-p', String(n.port), 'cluster', 'info']).then(
            ({ stdout }) => /cluster_state:ok/.test(stdout),
            () => false,
          ),
        ),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline)
        throw new Error('the Redis Cluster did not reach cluster_state:ok');
      await sleep(100);
    }
  }

  /** Keys held by every node together. */
  async keys(pattern = '*'): Promise<string[]> {
    return (await this.keysPerNode(pattern)).flat().sort();
  }

  /** Keys held by each node. */
  keysPerNode(pattern = '*'): Promise<string[][]> {
    return Promise.all(
      this.nodes.map((n) =>
        run('redis-cli', ['-p', String(n.port), '--scan', '--pattern', pattern]).then(
          ({ stdout }) => stdout.split('\n').filter(Boolean),
        ),
      ),
    );
  }

  /** The node holding a pub/sub client (the bus's subscriber). */
  async nodeWithSubscriber(): Promise<RedisServer> {
    for (const node of this.nodes) {
      const listing = await run('redis-cli', ['-p', String(node.port), 'client', 'list']).then(
        ({ stdout }) => stdout,
        () => '',
      );
      if (/ sub=[1-9]/.test(listing)) return node;
    }
    throw new Error('no node has a subscriber');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
