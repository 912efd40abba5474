/**
 * The migration guide's "after" articles example, compiled from docs/migrating-from-cache-manager.md
 * itself and booted: what the guide says about it holds (an update refreshes that article and the
 * list, every other article stays cached).
 */
import { Module } from '@nestjs/common';
import * as fs from 'fs';
import { CacheModule } from 'nestjs-cached';
import * as path from 'path';
import * as ts from 'typescript';
import { bootApp, PLATFORMS } from '../helpers/platforms';

function loadGuideExample(marker: string): Record<string, any> {
  const guide = fs.readFileSync(
    path.resolve(__dirname, '../../../docs/migrating-from-cache-manager.md'),
    'utf8',
  );
  const after = guide.slice(guide.indexOf(marker));
  const code = /```ts\n([\s\S]*?)```/.exec(after)![1];
  const { outputText } = ts.transpileModule(code, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  const exports: Record<string, any> = {};
  new Function('require', 'exports', outputText)(require, exports);
  return exports;
}

describe.each(PLATFORMS)('migration guide, the articles API after the move (%s)', (platform) => {
  const { ArticlesController, ArticlesService } = loadGuideExample('After, with nestjs-cached:');

  @Module({
    imports: [CacheModule.forRoot()],
    controllers: [ArticlesController],
    providers: [ArticlesService],
  })
  class AppModule {}

  let ctx: Awaited<ReturnType<typeof bootApp>>;
  beforeAll(async () => (ctx = await bootApp(platform, AppModule)));
  afterAll(() => ctx.app.close());

  it('an update refreshes that article and the list; other articles stay cached', async () => {
    await ctx.http().put('/articles/1').send({ title: 'One' }).expect(200);
    await ctx.http().put('/articles/2').send({ title: 'Two' }).expect(200);
    for (const url of ['/articles', '/articles/1', '/articles/2']) {
      await ctx.http().get(url).expect('X-Cache', 'MISS');
      await ctx.http().get(url).expect('X-Cache', 'HIT');
    }
    await ctx.http().put('/articles/1').send({ title: 'One, edited' }).expect(200);
    const one = await ctx.http().get('/articles/1').expect('X-Cache', 'MISS');
    expect(one.body).toEqual({ id: '1', title: 'One, edited' });
    await ctx.http().get('/articles').expect('X-Cache', 'MISS');
    await ctx.http().get('/articles/2').expect('X-Cache', 'HIT');
  });
});
