import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODULE_EXT } from './paths';
import { BenchVariant, NamedVariant } from './variant';

export const VARIANTS_DIR = path.resolve(__dirname, '..', 'variants');

export interface Discovery {
  variants: NamedVariant[];
  /** Variants that were found but will not run, with the reason. */
  skipped: { name: string; reason: string }[];
}

function isVariant(value: unknown): value is BenchVariant {
  const v = value as Partial<BenchVariant> | undefined;
  return !!v && typeof v.title === 'string' && Array.isArray(v.scenarios) && !!v.createModule;
}

/**
 * Every `bench/variants/<name>.ts` (or its transpiled `.js`) whose default export is a variant. A file that fails to load
 * (say, the library does not build yet) is skipped with its error instead of failing the run.
 */
export async function discoverVariants(only: string[]): Promise<Discovery> {
  const files = fs
    .readdirSync(VARIANTS_DIR)
    .filter((f) => f.endsWith(MODULE_EXT) && !f.endsWith('.d.ts'))
    .sort();
  const result: Discovery = { variants: [], skipped: [] };
  for (const fileName of files) {
    const name = path.basename(fileName, MODULE_EXT);
    if (only.length && !only.includes(name)) continue;
    const file = path.join(VARIANTS_DIR, fileName);
    try {
      const imported = (await import(file)) as { default?: unknown };
      if (!isVariant(imported.default)) throw new Error('its default export is not a variant');
      const reason = imported.default.skipReason?.();
      if (reason) result.skipped.push({ name, reason });
      else result.variants.push({ ...imported.default, name, file });
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      result.skipped.push({ name, reason: `failed to load: ${message}` });
    }
  }
  return result;
}
