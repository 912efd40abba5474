import { SetMetadata } from '@nestjs/common';
import { CACHE_IDENTITY_METADATA } from '../cache.constants';
import { CacheConfigError } from '../errors/cache-config.error';
import { messages } from '../errors/cache.messages';

/**
 * Pins the identity of a provider class: the prefix of its methods' default keys, used instead of
 * the class name. Pin a class whose name is shared by another cached provider, or whose name may
 * change (minified builds, renames), so that every process and deploy sharing a store agrees on its
 * keys. The implicit tag stays `Class.method`.
 * @example
 * @CacheIdentity('billing.ApiClient')
 * @Injectable()
 * export class ApiClient { @Cached() async invoice(id: string): Promise<Invoice> { … } }
 */
export function CacheIdentity(identity: string): ClassDecorator {
  return (target) => {
    if (typeof identity !== 'string' || !/^[^\s{}]+$/.test(identity)) {
      throw new CacheConfigError(
        messages.invalidOption(
          target.name,
          'CacheIdentity',
          'a non-empty string without spaces or braces',
          identity,
        ),
      );
    }
    SetMetadata(CACHE_IDENTITY_METADATA, identity)(target);
  };
}
