import { CacheConfigError } from '../errors/cache-config.error';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';

/**
 * Loads an optional peer dependency (prom-client, @opentelemetry/api, @nestjs/event-emitter) when
 * the option that needs it is set; a missing package is a `CacheConfigError` at bootstrap naming
 * what to install. Importing `nestjs-cached` alone never loads any of them.
 */
export async function loadOptional<T>(
  load: () => Promise<T>,
  name: string,
  option: string,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string })?.code;
    if (code === 'ERR_REQUIRE_ESM') {
      // An ES-module-only line of the package, loaded from a CommonJS app on an older Node.
      throw new CacheConfigError(
        messages.esmOnlyPackage('CacheModule', option, name),
        CacheErrorCode.MissingPackage,
      );
    }
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new CacheConfigError(
      messages.missingPackage('CacheModule', option, name),
      CacheErrorCode.MissingPackage,
    );
  }
}
