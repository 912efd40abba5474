import { ServerProcess } from './server-process';
import { NamedVariant, Platform } from './variant';

/** Server processes shared by the suites: one per variant and platform, started on first use. */
export class ServerPool {
  private readonly servers = new Map<string, Promise<ServerProcess>>();

  constructor(private readonly options: { cpus: string; logDir: string; nodeFlags: string[] }) {}

  get(variant: NamedVariant, platform: Platform): Promise<ServerProcess> {
    const key = `${variant.name}:${platform}`;
    let server = this.servers.get(key);
    if (!server) {
      server = ServerProcess.start(variant, platform, this.options);
      // A failed start is not cached: the next suite may try again.
      server.catch(() => this.servers.delete(key));
      this.servers.set(key, server);
    }
    return server;
  }

  async stopAll(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((s) => s.then((server) => server.stop()).catch(() => undefined)));
  }
}
