import Keyv from 'keyv';

/** Every this many writes, a Keyv `Map` store is swept. */
export const SWEEP_EVERY = 50;
/** Entries looked at per sweep: bounded work, and a full pass every (size / SWEEP_BATCH) sweeps. */
const SWEEP_BATCH = 100;

/**
 * Removes expired entries from the `Map` behind a Keyv instance. Keyv drops an expired entry only
 * when it is read again, so keys nobody asks for again (one-off ids) would stay forever. A sweep
 * looks at the next `SWEEP_BATCH` entries, resuming where the last one stopped.
 */
export class MapSweeper {
  private cursor?: Iterator<[string, unknown]>;

  constructor(
    private readonly keyv: Keyv,
    private readonly map: Map<string, unknown>,
  ) {}

  async sweep(): Promise<void> {
    const now = Date.now();
    const expired: string[] = [];
    for (let i = 0; i < SWEEP_BATCH; i++) {
      this.cursor ??= this.map.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        if (i > 0) break;
        continue;
      }
      const [key, raw] = next.value;
      const data = (await this.keyv.deserializeData(raw as never).catch(() => undefined)) as
        { expires?: number | null } | undefined;
      if (typeof data?.expires === 'number' && data.expires < now) expired.push(key);
    }
    for (const key of expired) this.map.delete(key);
  }
}
