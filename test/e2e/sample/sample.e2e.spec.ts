import { CacheService } from 'nestjs-cached';
import { AppModule } from '../../../sample/app.module';
import { configureApp } from '../../../sample/app.setup';
import { bootApp } from '../helpers/platforms';

/** The products-catalogue sample (`npm run sample`), booted as main.ts boots it, on Express. */
describe('sample products catalogue', () => {
  let ctx: Awaited<ReturnType<typeof bootApp>>;
  const delay = process.env.DELAY_MS;

  beforeAll(async () => {
    process.env.DELAY_MS = '5'; // read by ProductsService when it is built
    ctx = await bootApp('express', AppModule, configureApp);
  });
  afterAll(async () => {
    await ctx.app.close();
    if (delay === undefined) delete process.env.DELAY_MS;
    else process.env.DELAY_MS = delay;
  });

  it('serves the list from the cache on the second request, per Accept-Language', async () => {
    const first = await ctx.http().get('/products').expect(200);
    const second = await ctx.http().get('/products').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['age']).toBeDefined();
    expect(second.body).toEqual(first.body);
    expect(first.body).toHaveLength(4);

    const french = await ctx.http().get('/products').set('accept-language', 'fr').expect(200);
    expect(french.headers['x-cache']).toBe('MISS');
    expect(french.body[0].priceLabel).not.toEqual(first.body[0].priceLabel);
    const frenchAgain = await ctx.http().get('/products').set('accept-language', 'fr');
    expect(frenchAgain.headers['x-cache']).toBe('HIT');
    expect(frenchAgain.body).toEqual(french.body);
  });

  it('serves an item from the cache on the second request', async () => {
    const first = await ctx.http().get('/products/1').expect(200);
    const second = await ctx.http().get('/products/1').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['content-type']).toMatch(/application\/json/);
    expect(second.body).toEqual(first.body);
    expect(first.body).toMatchObject({ id: '1', name: 'Espresso cup', price: 4 });
  });

  it('never sends costPrice, on a miss or a hit, of the list or an item', async () => {
    for (const path of ['/products/2', '/products']) {
      const miss = await ctx.http().get(path).set('accept-language', 'de').expect(200);
      const hit = await ctx.http().get(path).set('accept-language', 'de').expect(200);
      expect([path, miss.headers['x-cache'], hit.headers['x-cache']]).toEqual([
        path,
        'MISS',
        'HIT',
      ]);
      for (const body of [miss.body, hit.body]) {
        for (const product of [body].flat()) {
          expect(product.name).toEqual(expect.any(String));
          expect(product).not.toHaveProperty('costPrice');
        }
      }
    }
  });

  it('never sends costPrice when the response misses but ProductsService.findOne hits', async () => {
    await ctx.http().get('/products/4').expect(200);
    await ctx.app.get(CacheService).delete('product:4'); // the response entry only
    const res = await ctx.http().get('/products/4').expect(200);
    expect(res.headers['x-cache']).toBe('MISS');
    expect(res.body).toMatchObject({ id: '4', name: 'Pour-over kettle' });
    expect(res.body).not.toHaveProperty('costPrice');
  });

  it('PUT invalidates the item and the list: the next GETs miss and show the new data', async () => {
    await ctx.http().get('/products/3').expect(200);
    expect((await ctx.http().get('/products/3')).headers['x-cache']).toBe('HIT');
    await ctx.http().get('/products').expect(200);
    expect((await ctx.http().get('/products')).headers['x-cache']).toBe('HIT');

    const put = await ctx.http().put('/products/3').send({ price: 79, costPrice: 30 }).expect(200);
    expect(put.body).toMatchObject({ id: '3', price: 79 });
    expect(put.body).not.toHaveProperty('costPrice');

    const item = await ctx.http().get('/products/3').expect(200);
    expect(item.headers['x-cache']).toBe('MISS');
    expect(item.body).toMatchObject({ id: '3', name: 'Burr grinder', price: 79 });
    expect(item.body).not.toHaveProperty('costPrice');
    const again = await ctx.http().get('/products/3');
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body).toEqual(item.body);

    const list = await ctx.http().get('/products').expect(200);
    expect(list.headers['x-cache']).toBe('MISS');
    expect(list.body.find((p: { id: string }) => p.id === '3')).toMatchObject({ price: 79 });
  });

  it('gives each user of /me their own entry, and turns away a request without one', async () => {
    const alice = await ctx.http().get('/me').set('x-user', 'alice').expect(200);
    const bob = await ctx.http().get('/me').set('x-user', 'bob').expect(200);
    expect([alice.headers['x-cache'], bob.headers['x-cache']]).toEqual(['MISS', 'MISS']);
    expect(alice.body.id).toBe('alice');
    expect(bob.body.id).toBe('bob');

    const aliceAgain = await ctx.http().get('/me').set('x-user', 'alice').expect(200);
    const bobAgain = await ctx.http().get('/me').set('x-user', 'bob').expect(200);
    expect([aliceAgain.headers['x-cache'], bobAgain.headers['x-cache']]).toEqual(['HIT', 'HIT']);
    expect(aliceAgain.body).toEqual(alice.body);
    expect(bobAgain.body).toEqual(bob.body);

    await ctx.http().get('/me').expect(401);
  });

  it('reports the counters on /cache/stats', async () => {
    const { body } = await ctx.http().get('/cache/stats').expect(200);
    expect(body).toEqual({
      hits: expect.any(Number),
      misses: expect.any(Number),
      staleHits: expect.any(Number),
      bypasses: expect.any(Number),
      errors: expect.any(Number),
      coalesced: expect.any(Number),
      sets: expect.any(Number),
      deletes: expect.any(Number),
    });
    expect(body.hits).toBeGreaterThan(0);
    expect(body.errors).toBe(0);
  });
});
