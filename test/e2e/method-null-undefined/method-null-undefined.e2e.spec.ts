import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { Cached, CacheModule, CacheService } from 'nestjs-cached';
import { bootContext } from '../helpers/app-context';

@Injectable()
class UsersService {
  calls = { nothing: 0, missing: 0 };

  @Cached({ key: 'nothing:{0}' })
  async findNothing(_id: string): Promise<null> {
    this.calls.nothing++;
    return null;
  }

  @Cached({ key: 'missing:{0}' })
  async findMissing(_id: string): Promise<undefined> {
    this.calls.missing++;
    return undefined;
  }
}

@Module({ imports: [CacheModule.forRoot()], providers: [UsersService] })
class AppModule {}

describe('null and undefined results of provider methods', () => {
  let app: INestApplicationContext;
  let users: UsersService;
  let cache: CacheService;

  beforeAll(async () => {
    ({ app } = await bootContext(AppModule));
    users = app.get(UsersService);
    cache = app.get(CacheService);
  });
  afterAll(() => app.close());

  it('caches null: the method runs once and every call gets null', async () => {
    const results = [await users.findNothing('1'), await users.findNothing('1')];
    expect(results).toEqual([null, null]);
    expect(users.calls.nothing).toBe(1);
    expect(await cache.has('nothing:1')).toBe(true);
  });

  it('never stores undefined: the method runs on every call', async () => {
    const results = [await users.findMissing('1'), await users.findMissing('1')];
    expect(results).toEqual([undefined, undefined]);
    expect(users.calls.missing).toBe(2);
    expect(await cache.has('missing:1')).toBe(false);
  });
});
