import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';
import { LogCapture } from '../helpers/log-capture';

class Money {
  #amount: number;
  constructor(
    amount: number,
    readonly currency: string,
  ) {
    this.#amount = amount;
  }
  get amount() {
    return this.#amount;
  }
}

/** A query builder: thenable, chainable, not a Promise (as Knex's and Mongoose's are). */
class QueryBuilder {
  readonly clauses: string[] = [];
  where(clause: string): this {
    this.clauses.push(clause);
    return this;
  }
  then<R>(resolve: (rows: string[]) => R): Promise<R> {
    return Promise.resolve(resolve(this.clauses));
  }
}

const boom = (): never => {
  throw new Error('callback exploded');
};

@Injectable()
class ShopService {
  calls = 0;

  @Cached()
  async convert(money: Money): Promise<string> {
    this.calls++;
    return `${money.amount} ${money.currency}`;
  }

  @Cached({ key: (money: Money) => `convert:${money.amount}:${money.currency}` })
  async convertKeyed(money: Money): Promise<string> {
    this.calls++;
    return `${money.amount} ${money.currency}`;
  }

  @Cached({ key: boom })
  async keyThrows(id: string): Promise<string> {
    this.calls++;
    return `k ${id}`;
  }

  @Cached({ key: (async (id: string) => Promise.reject(new Error(`no key for ${id}`))) as never })
  async keyRejects(id: string): Promise<string> {
    this.calls++;
    return `r ${id}`;
  }

  @Cached({ key: (async (id: string) => `async:${id}`) as never })
  async keyAsync(id: string): Promise<string> {
    this.calls++;
    return `a ${id}`;
  }

  @Cached({ condition: boom })
  async conditionThrows(id: string): Promise<string> {
    this.calls++;
    return `c ${id}`;
  }

  @Cached({ condition: (async () => Promise.reject(new Error('nope'))) as never })
  async conditionRejects(id: string): Promise<string> {
    this.calls++;
    return `cr ${id}`;
  }

  @Cached({ unless: boom })
  async unlessThrows(id: string): Promise<string> {
    this.calls++;
    return `u ${id}`;
  }

  @Cached({ unless: (async () => Promise.reject(new Error('nope'))) as never })
  async unlessRejects(id: string): Promise<string> {
    this.calls++;
    return `ur ${id}`;
  }

  @Cached({ tags: [boom] })
  async tagThrows(id: string): Promise<string> {
    this.calls++;
    return `t ${id}`;
  }

  @Cached()
  rows(table: string): QueryBuilder {
    this.calls++;
    return new QueryBuilder().where(`table = ${table}`);
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [ShopService] })
class AppModule {}

describe('provider method safety', () => {
  let app: INestApplicationContext;
  let logs: LogCapture;
  let shop: ShopService;
  let cache: CacheService;

  beforeEach(async () => {
    ({ app, logs } = await bootContext(AppModule));
    shop = app.get(ShopService);
    cache = app.get(CacheService);
  });
  afterEach(() => app.close());

  describe('arguments keyed by their public fields only', () => {
    it('never answers Money(5000) with the entry of Money(100): the call runs uncached', async () => {
      expect(await shop.convert(new Money(100, 'EUR'))).toBe('100 EUR');
      expect(await shop.convert(new Money(5000, 'EUR'))).toBe('5000 EUR');
      expect(await shop.convert(new Money(5000, 'EUR'))).toBe('5000 EUR');
      expect(shop.calls).toBe(3);
      expect(logs.warningsAbout('ShopService@convert')).toHaveLength(1);
    });

    it('caches such arguments when a key template names what to key on', async () => {
      expect(await shop.convertKeyed(new Money(100, 'EUR'))).toBe('100 EUR');
      expect(await shop.convertKeyed(new Money(5000, 'EUR'))).toBe('5000 EUR');
      expect(await shop.convertKeyed(new Money(100, 'EUR'))).toBe('100 EUR');
      expect(shop.calls).toBe(2);
    });
  });

  describe('callbacks that fail cost the cache, never the call', () => {
    it.each([
      ['keyThrows', 'key', 'k'],
      ['keyRejects', 'key', 'r'],
      ['conditionThrows', 'condition', 'c'],
      ['conditionRejects', 'condition', 'cr'],
      ['tagThrows', 'tags', 't'],
    ] as const)('%s: runs uncached, one warning naming the method', async (method, cb, prefix) => {
      expect(await shop[method]('1')).toBe(`${prefix} 1`);
      expect(await shop[method]('1')).toBe(`${prefix} 1`);
      expect(shop.calls).toBe(2);
      const warnings = logs.warningsAbout(`ShopService@${method}: the ${cb} callback failed`);
      expect(warnings).toHaveLength(1);
    });

    it.each([
      ['unlessThrows', 'u'],
      ['unlessRejects', 'ur'],
    ] as const)(
      '%s: returns the result, does not store it, one warning',
      async (method, prefix) => {
        expect(await shop[method]('1')).toBe(`${prefix} 1`);
        expect(await shop[method]('1')).toBe(`${prefix} 1`);
        expect(shop.calls).toBe(2);
        expect(
          logs.warningsAbout(`ShopService@${method}: the unless callback failed`),
        ).toHaveLength(1);
      },
    );

    it('awaits a key callback that returns a promise of a key', async () => {
      expect(await shop.keyAsync('1')).toBe('a 1');
      expect(await shop.keyAsync('1')).toBe('a 1');
      expect(shop.calls).toBe(1);
      expect(await cache.get('async:1')).toBe('a 1');
    });
  });

  describe('a method returning a thenable that is not a Promise', () => {
    it('returns the builder itself, chainable, on every call; one warning', async () => {
      const first = shop.rows('users');
      expect(first).toBeInstanceOf(QueryBuilder);
      expect(await first.where('id = 1')).toEqual(['table = users', 'id = 1']);
      const second = shop.rows('users');
      expect(second).toBeInstanceOf(QueryBuilder);
      expect(await second).toEqual(['table = users']);
      expect(shop.calls).toBe(2);
      expect(logs.warningsAbout('ShopService@rows')).toHaveLength(1);
    });
  });
});
