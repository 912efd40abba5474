import type { Module } from '@nestjs/core/injector/module';

/**
 * The module that a provider hosted in `host` would get `token` from, looked up the way Nest's
 * injector does: the host's own providers, then its imports depth first, going through a module's
 * imports only where that module re-exports them. `undefined` when none provides it.
 */
export function providingModule(host: Module, token: unknown): Module | undefined {
  if (host.providers.has(token as never)) return host;
  return inImports(host, token, new Set(), false);
}

function inImports(
  module: Module,
  token: unknown,
  seen: Set<string>,
  traversing: boolean,
): Module | undefined {
  for (const related of module.imports) {
    if (!related || seen.has(related.id)) continue;
    if (traversing && !module.exports.has(related.metatype)) continue;
    seen.add(related.id);
    if (related.exports.has(token as never) && related.providers.has(token as never)) {
      return related;
    }
    const found = inImports(related, token, seen, true);
    if (found) return found;
  }
  return undefined;
}
