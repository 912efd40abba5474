import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { CacheEngine } from '../core/cache.engine';
import { CacheConfigError } from '../errors/cache-config.error';
import { assertCanEvictAll } from '../stores/store-capabilities';
import { CacheErrorCode } from '../errors/cache-error-code';
import { messages } from '../errors/cache.messages';
import { CacheMetadataAccessor } from '../metadata/cache-metadata.accessor';
import { providingModule } from '../explorer/providing-module';
import { ContextHandlers } from './context-handlers';
import { HandlerKind } from './context-plan';
import { installFieldMiddleware, serveFieldsOf } from './field-middleware';
import { handlerFacts, refusesCaching } from './handler-metadata';

/** The options provider of `@nestjs/graphql`'s module (its `GRAPHQL_MODULE_OPTIONS` token). */
const GRAPHQL_OPTIONS_TOKEN = 'GqlModuleOptions';
const GRAPHQL_SCHEMA_HOST = 'GraphQLSchemaHost';

const TEMPLATE_ROOTS: Record<HandlerKind, string[]> = {
  graphql: ['args', 'parent', 'user'],
  rpc: ['data', 'pattern', 'user'],
  ws: ['data', 'pattern', 'user'],
};

interface Handler {
  cls: Function;
  handler: Function;
  where: string;
  host: InstanceWrapper['host'];
}

/**
 * Finds cached resolvers, message handlers and gateway handlers at bootstrap: refuses `@Cached`
 * on mutations, subscriptions and event handlers; gives each cached handler its plan; and adds
 * the field middleware that caches field and reference resolvers (before the GraphQL schema is
 * built, hence from the constructor).
 */
@Injectable()
export class ContextHandlersExplorer implements OnModuleInit, OnApplicationBootstrap {
  /** Resolver classes with cached field resolvers, and the modules hosting them. */
  private readonly fieldClasses = new Map<Function, InstanceWrapper['host'][]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: CacheMetadataAccessor,
    private readonly handlers: ContextHandlers,
    private readonly engine: CacheEngine,
  ) {
    for (const wrapper of this.discovery.getProviders()) {
      for (const { cls, handler } of this.decorated([wrapper], true)) {
        const facts = handlerFacts(cls, handler);
        if (facts?.kind !== 'graphql' || facts.role === 'root') continue;
        if (this.metadata.methodCached(handler) === undefined) continue;
        installFieldMiddleware(cls, handler, facts.role === 'reference');
        this.fieldClasses.set(cls, [...(this.fieldClasses.get(cls) ?? []), wrapper.host]);
      }
    }
  }

  onModuleInit(): void {
    const enhancers = this.graphqlOption('fieldResolverEnhancers');
    const list: unknown[] = Array.isArray(enhancers) ? enhancers : [];
    this.handlers.fieldInterceptors = list.includes('interceptors');
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const { cls, handler, where } of this.decorated(wrappers, false)) {
      const facts = handlerFacts(cls, handler);
      if (facts === undefined) continue;
      const refused = refusesCaching(facts);
      if (refused !== undefined && this.metadata.methodCached(handler) !== undefined) {
        throw new CacheConfigError(
          messages.cachedOperation(where, refused),
          CacheErrorCode.CachedOperation,
        );
      }
      this.checkTemplates(handler, cls, facts.kind, where);
      if (this.metadata.evict(handler)?.all) assertCanEvictAll(this.engine.store, where);
      const field = facts.kind === 'graphql' && facts.role !== 'root';
      if (field && list.includes('guards') && !this.handlers.fieldInterceptors) {
        if (this.metadata.methodCached(handler) !== undefined) {
          throw new CacheConfigError(
            messages.fieldGuardsWithoutInterceptors(where),
            CacheErrorCode.InvalidOption,
          );
        }
      }
    }
    // With a CacheModule per feature module, a resolver is served by the one its module injects.
    const own = this.discovery.getProviders().find((w) => w.instance === this.handlers)?.host;
    for (const [cls, hosts] of this.fieldClasses) {
      const mine = hosts.some(
        (host) => !own || !host || providingModule(host, ContextHandlers) === own,
      );
      if (mine) serveFieldsOf(cls, this.handlers);
    }
  }

  /** A placeholder the call cannot fill would render alike for every call: refused. */
  private checkTemplates(handler: Function, cls: Function, kind: HandlerKind, where: string): void {
    const cached = this.metadata.cached(handler, cls);
    const evict = this.metadata.evict(handler);
    const sources = [
      cached?.key,
      ...(cached?.tags ?? []),
      ...(evict?.keys ?? []),
      ...(evict?.tags ?? []),
    ];
    const allowed = TEMPLATE_ROOTS[kind];
    for (const source of sources) {
      if (source === undefined || typeof source === 'function') continue;
      const wrong = source.roots.find((root) => !allowed.includes(root));
      if (wrong === undefined) continue;
      const hint = allowed.map((root) => `{${root}${root === 'pattern' ? '' : '.x'}}`).join(', ');
      throw new CacheConfigError(
        messages.invalidKeyTemplate(where, source.source, `reads '{${wrong}…}'; here use ${hint}`),
        CacheErrorCode.InvalidKeyTemplate,
      );
    }
  }

  /**
   * Plans (and their counters) are built once the GraphQL module has named its types, for the
   * handlers this module's cache serves: with a `CacheModule` per feature module, each lists only
   * the handlers of the modules that import it.
   */
  onApplicationBootstrap(): void {
    this.handlers.schema = this.provider(GRAPHQL_SCHEMA_HOST, true)?.schema;
    const own = this.discovery.getProviders().find((w) => w.instance === this.handlers)?.host;
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const { cls, handler, host } of this.decorated(wrappers, false)) {
      if (own && host && providingModule(host, ContextHandlers) !== own) continue;
      if (handlerFacts(cls, handler) !== undefined) this.handlers.planOf(cls, handler);
    }
  }

  /** Methods carrying a cache decorator (method-level, or any with `classLevel`). */
  private *decorated(wrappers: InstanceWrapper[], byMetatype: boolean): Iterable<Handler> {
    const seen = new Set<Function>();
    for (const wrapper of wrappers) {
      if (wrapper.isAlias) continue;
      const cls = byMetatype
        ? (wrapper.metatype as Function | undefined)
        : (wrapper.instance as object | undefined)?.constructor;
      if (typeof cls !== 'function' || !cls.prototype || seen.has(cls)) continue;
      seen.add(cls);
      const prototype = cls.prototype;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const decorated =
          this.metadata.methodCached(handler) !== undefined ||
          this.metadata.evict(handler) !== undefined ||
          this.metadata.cached(handler, cls) !== undefined;
        if (decorated) yield { cls, handler, where: `${cls.name}@${name}`, host: wrapper.host };
      }
    }
  }

  private graphqlOption(name: string): unknown {
    const options = this.provider(GRAPHQL_OPTIONS_TOKEN, false) as Record<string, unknown>;
    return options?.[name];
  }

  /** A provider instance found by its string token, or by its class name. */
  private provider(name: string, byClassName: boolean): any {
    for (const wrapper of this.discovery.getProviders()) {
      const matches = byClassName
        ? (wrapper.metatype as Function | undefined)?.name === name
        : wrapper.token === name;
      if (matches && wrapper.instance) return wrapper.instance;
    }
    return undefined;
  }
}
