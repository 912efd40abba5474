import { Controller, Get, Module, Version, VersioningType } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { PLATFORMS } from '../helpers/platforms';
import { bootSafe, counters, expectSameResponse, expectXCache, SafeApp } from '../helpers/safety';

/**
 * Hostile: header and media-type versioning put two handlers behind one path; a hit (send taken
 * over alone) must replay the entry of the version asked for, never the other's.
 */
const { calls, count, reset } = counters();

@Controller('ver')
class VersionedController {
  @Get()
  @Cached()
  @Version('1')
  one() {
    count('one');
    return { version: 1 };
  }

  @Get()
  @Cached()
  @Version('2')
  two() {
    count('two');
    return { version: 2 };
  }
}

@Module({ imports: [CacheModule.forRoot()], controllers: [VersionedController] })
class VersionedModule {}

const SCHEMES = [
  {
    name: 'header',
    versioning: { type: VersioningType.HEADER, header: 'X-Api-Version' } as const,
    ask: (v: string) => ({ 'X-Api-Version': v }),
  },
  {
    name: 'media type',
    versioning: { type: VersioningType.MEDIA_TYPE, key: 'v=' } as const,
    ask: (v: string) => ({ Accept: `application/json;v=${v}` }),
  },
];

describe.each(PLATFORMS)('cached versioned handlers behind one path (%s, hostile)', (platform) => {
  describe.each(SCHEMES)('$name versioning', ({ versioning, ask }) => {
    let safe: SafeApp;
    beforeAll(async () => {
      reset();
      safe = await bootSafe(platform, VersionedModule, {
        configure: (app) => app.enableVersioning(versioning),
      });
    });
    afterAll(() => safe.app.close());

    it("each version gets its own handler's response, miss and hit", async () => {
      const get = (v: string) => safe.http().get('/ver').set(ask(v));
      const one = await get('1');
      expect(JSON.parse(one.text)).toEqual({ version: 1 });
      const two = await get('2');
      expect(JSON.parse(two.text)).toEqual({ version: 2 });
      for (let i = 0; i < 2; i++) {
        const hitOne = await get('1');
        const hitTwo = await get('2');
        expect(JSON.parse(hitOne.text)).toEqual({ version: 1 });
        expect(JSON.parse(hitTwo.text)).toEqual({ version: 2 });
        expectXCache(hitOne, 'HIT', one);
        expectXCache(hitTwo, 'HIT', two);
        expectSameResponse(one, hitOne);
        expectSameResponse(two, hitTwo);
      }
      expectXCache(one, 'MISS');
      expectXCache(two, 'MISS');
      expect(calls).toEqual({ one: 1, two: 1 });
    });
  });
});
