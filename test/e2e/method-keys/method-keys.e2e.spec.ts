import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheIdentity, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { LogCapture } from '../helpers/log-capture';

interface Query {
  term: string;
  page: number;
}

@Injectable()
class KeysService {
  calls = 0;

  @Cached()
  async echo(_value: unknown): Promise<number> {
    return ++this.calls;
  }

  @Cached()
  async inspect(value: unknown): Promise<string> {
    this.calls++;
    return typeof value;
  }

  @Cached({ key: 'user:{0}' })
  async user(id: string, traceId: string): Promise<string> {
    this.calls++;
    return `user ${id} (${traceId})`;
  }

  @Cached({ key: 'order:{0}:{1.id}' })
  async order(shop: string, item: { id: number; note: string }): Promise<string> {
    this.calls++;
    return `${shop}/${item.id}`;
  }

  @Cached({ key: (query: Query) => `search:${query.term.toLowerCase()}:${query.page}` })
  async search(query: Query): Promise<string[]> {
    this.calls++;
    return [`${query.term} #${query.page}`];
  }

  @Cached({ key: (user: { profile?: { id: string } }) => `profile:${user.profile!.id}` })
  async profile(user: { profile?: { id: string } }): Promise<string> {
    this.calls++;
    return user.profile?.id ?? 'anonymous';
  }

  @Cached({ key: 'notify:{0}' })
  async notify(id: string, callback: () => void): Promise<string> {
    this.calls++;
    callback();
    return `notified ${id}`;
  }
}

@Injectable()
class UsersService {
  @Cached()
  async find(id: string): Promise<string> {
    return `user ${id}`;
  }
}

@Injectable()
class OrdersService {
  @Cached()
  async find(id: string): Promise<string> {
    return `order ${id}`;
  }
}

@Injectable()
class InvoicesService {
  @Cached()
  async find(id: string): Promise<string> {
    return `invoice ${id}`;
  }
}

@Injectable()
class ReceiptsService {
  @Cached()
  async find(id: string): Promise<string> {
    return `receipt ${id}`;
  }
}

/** Two distinct classes that share one name, as two feature modules may. */
function makeRepository(label: string) {
  @Injectable()
  class Repository {
    @Cached()
    async find(id: string): Promise<string> {
      return `${label} ${id}`;
    }
  }
  return Repository;
}
const ShopRepository = makeRepository('shop');
const AdminRepository = makeRepository('admin');
// Same class name, same module, same token kind: nothing tells them apart but a pinned identity.
CacheIdentity('admin.Repository')(AdminRepository);

@Module({
  imports: [CacheModule.forRoot()],
  providers: [
    KeysService,
    UsersService,
    OrdersService,
    { provide: InvoicesService, useFactory: () => new InvoicesService() },
    { provide: ReceiptsService, useFactory: () => new ReceiptsService() },
    ShopRepository,
    AdminRepository,
  ],
})
class AppModule {}

describe('provider method keys from arguments', () => {
  let app: INestApplicationContext;
  let logs: LogCapture;
  let keys: KeysService;
  let cache: CacheService;

  beforeAll(async () => {
    ({ app, logs } = await bootContext(AppModule));
    keys = app.get(KeysService);
    cache = app.get(CacheService);
  });
  afterAll(() => app.close());

  /** Calls `echo` with each value and returns the results; equal results mean a shared entry. */
  const echoAll = async (...values: unknown[]) => {
    const results: number[] = [];
    for (const value of values) results.push(await keys.echo(value));
    return results;
  };

  it('ignores object key order, nested too', async () => {
    const [a, b] = await echoAll({ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: 1 });
    expect(b).toBe(a);
    const [c] = await echoAll({ a: 1, b: { x: 1, y: 3 } });
    expect(c).not.toBe(a);
  });

  it('hashes Dates, Buffers, Maps, Sets and BigInts by value', async () => {
    const [d1, d2, d3] = await echoAll(new Date(1000), new Date(1000), new Date(2000));
    expect(d2).toBe(d1);
    expect(d3).not.toBe(d1);
    const [b1, b2, b3] = await echoAll(Buffer.from('ab'), Buffer.from('ab'), Buffer.from('ac'));
    expect(b2).toBe(b1);
    expect(b3).not.toBe(b1);
    const [m1, m2, m3] = await echoAll(
      new Map([['k', { v: 1 }]]),
      new Map([['k', { v: 1 }]]),
      new Map([['k', { v: 2 }]]),
    );
    expect(m2).toBe(m1);
    expect(m3).not.toBe(m1);
    const [s1, s2, s3] = await echoAll(new Set([1, 2]), new Set([1, 2]), new Set([1, 3]));
    expect(s2).toBe(s1);
    expect(s3).not.toBe(s1);
    const [n1, n2, n3] = await echoAll(10n ** 20n, 10n ** 20n, 10n ** 20n + 1n);
    expect(n2).toBe(n1);
    expect(n3).not.toBe(n1);
  });

  it('keeps values of different types apart', async () => {
    const results = await echoAll(1, '1', 1n, true, 'true', null, 'null', [1], { 0: 1 });
    expect(new Set(results).size).toBe(results.length);
    const [date, time] = await echoAll(new Date(5000), 5000);
    expect(time).not.toBe(date);
  });

  it('keeps objects of other classes apart by value (URL)', async () => {
    const [a, b] = await echoAll(new URL('https://a.example/'), new URL('https://b.example/'));
    expect(b).not.toBe(a);
  });

  it('runs uncached, with one warning, for arguments holding functions, symbols or cycles', async () => {
    const circular: Record<string, unknown> = { id: 1 };
    circular.self = circular;
    const fn = () => undefined;
    const sym = Symbol('s');
    const before = keys.calls;
    const results = [];
    for (const value of [fn, fn, sym, sym, circular, circular, { nested: fn }]) {
      results.push(await keys.inspect(value));
    }
    expect(results).toEqual([
      'function',
      'function',
      'symbol',
      'symbol',
      'object',
      'object',
      'object',
    ]);
    expect(keys.calls).toBe(before + 7);
    expect(logs.warningsAbout('KeysService@inspect')).toHaveLength(1);
  });

  it('fills {0} from the arguments, so other arguments do not split the entry', async () => {
    const before = keys.calls;
    expect(await keys.user('7', 'trace-a')).toBe('user 7 (trace-a)');
    expect(await keys.user('7', 'trace-b')).toBe('user 7 (trace-a)');
    expect(await keys.user('8', 'trace-b')).toBe('user 8 (trace-b)');
    expect(keys.calls).toBe(before + 2);
    expect(await cache.get('user:7')).toBe('user 7 (trace-a)');
  });

  it('fills {1.id} from a path into an argument', async () => {
    const before = keys.calls;
    await keys.order('s1', { id: 3, note: 'a' });
    await keys.order('s1', { id: 3, note: 'b' });
    expect(keys.calls).toBe(before + 1);
    expect(await cache.get('order:s1:3')).toBe('s1/3');
    await keys.order('s1', { id: 4, note: 'a' });
    expect(keys.calls).toBe(before + 2);
  });

  it('uses a key function of the arguments', async () => {
    const before = keys.calls;
    expect(await keys.search({ term: 'Nest', page: 1 })).toEqual(['Nest #1']);
    expect(await keys.search({ term: 'nest', page: 1 })).toEqual(['Nest #1']);
    expect(keys.calls).toBe(before + 1);
    expect(await cache.get('search:nest:1')).toEqual(['Nest #1']);
    await keys.search({ term: 'nest', page: 2 });
    expect(keys.calls).toBe(before + 2);
  });

  it('runs a call uncached, with one warning, when its key function throws', async () => {
    const before = keys.calls;
    expect(await keys.profile({})).toBe('anonymous');
    expect(await keys.profile({})).toBe('anonymous');
    expect(keys.calls).toBe(before + 2);
    expect(logs.warningsAbout('KeysService@profile')).toHaveLength(1);
    await keys.profile({ profile: { id: 'p1' } });
    await keys.profile({ profile: { id: 'p1' } });
    expect(keys.calls).toBe(before + 3);
  });

  it('caches by a template even when an unread argument is a function', async () => {
    const before = keys.calls;
    let notified = 0;
    await keys.notify('1', () => notified++);
    await keys.notify('1', () => notified++);
    expect([keys.calls - before, notified]).toEqual([1, 1]);
  });

  it('never lets two services with the same method name share an entry', async () => {
    expect(await app.get(UsersService).find('1')).toBe('user 1');
    expect(await app.get(OrdersService).find('1')).toBe('order 1');
    expect(await app.get(UsersService).find('1')).toBe('user 1');
  });

  it('keeps factory-provided services with the same method name apart', async () => {
    expect(await app.get(InvoicesService).find('1')).toBe('invoice 1');
    expect(await app.get(ReceiptsService).find('1')).toBe('receipt 1');
  });

  it('keeps two different classes of the same name apart', async () => {
    expect(await app.get(ShopRepository).find('1')).toBe('shop 1');
    expect(await app.get(AdminRepository).find('1')).toBe('admin 1');
  });
});
