import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheConfigError, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { LogCapture } from '../helpers/log-capture';

/** An entity whose lazy relation was not loaded: reading it throws, as ORMs do. */
function withUnloadedRelation(): object {
  const order = { id: 1 };
  Object.defineProperty(order, 'customer', {
    enumerable: true,
    get() {
      throw new Error('relation "customer" was not loaded');
    },
  });
  return order;
}

function deeplyNested(depth: number): object {
  let value: object = { leaf: true };
  for (let i = 0; i < depth; i++) value = { next: value, when: i === 0 ? new Date(0) : undefined };
  return value;
}

const VALUES: Record<string, () => unknown> = {
  getter: withUnloadedRelation,
  toJSON: () => ({
    toJSON() {
      throw new Error('toJSON failed');
    },
  }),
  deep: () => deeplyNested(200_000),
};

@Injectable()
class OrdersService {
  calls = 0;

  @Cached({ key: 'order:{0}' })
  async load(kind: string): Promise<unknown> {
    this.calls++;
    return VALUES[kind]();
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [OrdersService] })
class AppModule {}

describe('a successful method whose value the serializer cannot walk', () => {
  let app: INestApplicationContext;
  let logs: LogCapture;
  let orders: OrdersService;
  let cache: CacheService;

  beforeEach(async () => {
    ({ app, logs } = await bootContext(AppModule));
    orders = app.get(OrdersService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  it.each(Object.keys(VALUES))(
    'returns the value (%s), stores nothing and warns naming the key',
    async (kind) => {
      const first = await orders.load(kind);
      expect(first).toBeDefined();
      await orders.load(kind);
      expect(orders.calls).toBe(2);
      expect(await cache.has(`order:${kind}`)).toBe(false);
      expect(logs.warningsAbout(`'order:${kind}'`)).toHaveLength(1);
    },
  );

  it('shares it with no concurrent caller: each gets the value', async () => {
    const [a, b] = await Promise.all([orders.load('getter'), orders.load('getter')]);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
  });

  it('CacheService.set of such a value rejects with CacheConfigError', async () => {
    await expect(cache.set('x', withUnloadedRelation())).rejects.toBeInstanceOf(CacheConfigError);
    await expect(cache.set('y', deeplyNested(200_000))).rejects.toBeInstanceOf(CacheConfigError);
  });

  it('CacheService.wrap of such a value resolves with it', async () => {
    const value = withUnloadedRelation();
    expect(await cache.wrap('w', () => value)).toBe(value);
  });
});
