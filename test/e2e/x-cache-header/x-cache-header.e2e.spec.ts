import { Controller, ExecutionContext, Get, Module } from '@nestjs/common';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

@Controller('labels')
class LabelsController {
  @Get()
  @Cached()
  list() {
    return ['a'];
  }

  @Get('bypass')
  @Cached({ condition: (_ctx: ExecutionContext) => false })
  bypass() {
    return ['b'];
  }
}

function appWith(xCacheHeader: string | false) {
  @Module({ imports: [CacheModule.forRoot({ xCacheHeader })], controllers: [LabelsController] })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('the xCacheHeader option on %s', (platform: Platform) => {
  it("'X-My' renames the header", async () => {
    const { app, http } = await bootApp(platform, appWith('X-My'));
    try {
      const miss = await http().get('/labels').expect(200);
      const hit = await http().get('/labels').expect(200);
      const bypass = await http().get('/labels/bypass').expect(200);
      expect([miss.headers['x-my'], hit.headers['x-my'], bypass.headers['x-my']]).toEqual([
        'MISS',
        'HIT',
        'BYPASS',
      ]);
      expect(miss.headers['x-cache']).toBeUndefined();
      expect(hit.headers['x-cache']).toBeUndefined();
      expect(hit.headers['age']).toBeDefined();
    } finally {
      await app.close();
    }
  });

  it('false sends no label, and still caches', async () => {
    const { app, http } = await bootApp(platform, appWith(false));
    try {
      const miss = await http().get('/labels').expect(200);
      const hit = await http().get('/labels').expect(200);
      const bypass = await http().get('/labels/bypass').expect(200);
      for (const res of [miss, hit, bypass]) {
        expect(res.headers['x-cache']).toBeUndefined();
        expect(Object.values(res.headers)).not.toContain('HIT');
        expect(Object.values(res.headers)).not.toContain('MISS');
        expect(Object.values(res.headers)).not.toContain('BYPASS');
      }
      expect(miss.headers['age']).toBeUndefined();
      expect(hit.headers['age']).toBeDefined(); // the hit is visible by its Age only
      expect(hit.body).toEqual(['a']);
    } finally {
      await app.close();
    }
  });
});
