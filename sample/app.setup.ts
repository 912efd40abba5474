import { ClassSerializerInterceptor, INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * What `main.ts` adds to the application, shared with the sample's e2e test: a global
 * ClassSerializerInterceptor, so `@Exclude()`d fields (`Product.costPrice`) never reach a client.
 * The cache stores what this interceptor makes of a value, so hits never carry them either.
 */
export function configureApp(app: INestApplication): INestApplication {
  return app.useGlobalInterceptors(new ClassSerializerInterceptor(app.get(Reflector)));
}
