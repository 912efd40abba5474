import {
  CallHandler,
  ClassSerializerInterceptor,
  Controller,
  ExecutionContext,
  Get,
  Injectable,
  Module,
  NestInterceptor,
  Param,
  UseInterceptors,
} from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { Exclude, Expose } from 'class-transformer';
import { map } from 'rxjs';
import { Cached, CacheModule } from 'nestjs-cached';
import { bootApp, Platform, PLATFORMS } from '../helpers/platforms';

class UserEntity {
  id!: number;
  name!: string;
  @Exclude()
  password!: string;

  constructor(fields: Partial<UserEntity>) {
    Object.assign(this, fields);
  }

  @Expose()
  get label(): string {
    return `#${this.id} ${this.name}`;
  }
}

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

@Controller('users')
class UsersController {
  @Get(':id')
  @Cached()
  findOne(@Param('id') id: string) {
    count('findOne');
    return new UserEntity({ id: Number(id), name: 'Ada', password: 'hunter2' });
  }

  @Get()
  @Cached()
  list() {
    count('list');
    return [new UserEntity({ id: 1, name: 'Ada', password: 'p1' })];
  }
}

const BODIES: Record<string, unknown> = {
  zero: 0,
  false: false,
  empty: '',
  null: null,
  string: 'hello',
  array: [1, 'two', { three: 3 }],
  object: { nested: { list: [] } },
};

@Controller('bodies')
class BodiesController {
  @Get(':name')
  @Cached()
  body(@Param('name') name: string) {
    count(`body:${name}`);
    return BODIES[name];
  }
}

/** Wraps every body in `{ data }`, as many apps do with a global interceptor. */
@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler) {
    return next.handle().pipe(map((data) => ({ data })));
  }
}

/** The same routes behind a controller-level @UseInterceptors(ClassSerializerInterceptor). */
@Controller('users')
@UseInterceptors(ClassSerializerInterceptor)
class SerializedUsersController extends UsersController {}

@Module({ imports: [CacheModule.forRoot()], controllers: [UsersController, BodiesController] })
class PlainModule {}

@Module({ imports: [CacheModule.forRoot()], controllers: [SerializedUsersController] })
class ControllerInterceptorModule {}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [UsersController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ClassSerializerInterceptor }],
})
class AppInterceptorModule {}

@Module({
  imports: [CacheModule.forRoot()],
  controllers: [UsersController, BodiesController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: WrapInterceptor }],
})
class WrappedModule {}

/** MISS then HIT of one URL; returns both responses after checking the labels. */
async function missThenHit(http: () => import('supertest').Agent | any, url: string) {
  const miss = await http().get(url).expect(200);
  const hit = await http().get(url).expect(200);
  expect(miss.headers['x-cache']).toBe('MISS');
  expect(hit.headers['x-cache']).toBe('HIT');
  return { miss, hit };
}

describe.each(PLATFORMS)('a hit sends what the miss sent, on %s', (platform: Platform) => {
  beforeEach(() => Object.keys(calls).forEach((k) => delete calls[k]));

  describe.each([
    [
      'useGlobalInterceptors(new ClassSerializerInterceptor(reflector))',
      PlainModule,
      (app: any) => app.useGlobalInterceptors(new ClassSerializerInterceptor(app.get(Reflector))),
    ],
    ['APP_INTERCEPTOR ClassSerializerInterceptor', AppInterceptorModule, undefined],
    [
      '@UseInterceptors(ClassSerializerInterceptor) on the controller',
      ControllerInterceptorModule,
      undefined,
    ],
  ])('behind %s', (_, module, configure) => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    beforeAll(async () => (ctx = await bootApp(platform, module, configure)));
    afterAll(() => ctx.app.close());

    it('an @Exclude()d field never appears, on MISS or HIT', async () => {
      const { miss, hit } = await missThenHit(ctx.http, '/users/1');
      expect(miss.body).toEqual({ id: 1, name: 'Ada', label: '#1 Ada' });
      expect(hit.body).toEqual(miss.body);
      expect(hit.text).not.toContain('hunter2');
      expect(calls.findOne).toBe(1);
    });

    it('nor inside an array', async () => {
      const { miss, hit } = await missThenHit(ctx.http, '/users');
      expect(miss.body).toEqual([{ id: 1, name: 'Ada', label: '#1 Ada' }]);
      expect(hit.body).toEqual(miss.body);
    });
  });

  describe('behind a global interceptor that wraps bodies', () => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    beforeAll(async () => (ctx = await bootApp(platform, WrappedModule)));
    afterAll(() => ctx.app.close());

    it('does not wrap twice on a hit', async () => {
      const { miss, hit } = await missThenHit(ctx.http, '/bodies/object');
      expect(miss.body).toEqual({ data: { nested: { list: [] } } });
      expect(hit.body).toEqual(miss.body);
    });
  });

  describe('bodies that are falsy, primitive or arrays', () => {
    let ctx: Awaited<ReturnType<typeof bootApp>>;
    beforeAll(async () => (ctx = await bootApp(platform, PlainModule)));
    afterAll(() => ctx.app.close());

    it.each(Object.keys(BODIES))('%s round-trips identically', async (name) => {
      const { miss, hit } = await missThenHit(ctx.http, `/bodies/${name}`);
      expect(hit.status).toBe(miss.status);
      expect(hit.text).toBe(miss.text);
      expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
      expect(hit.headers['content-length']).toBe(miss.headers['content-length']);
      expect(calls[`body:${name}`]).toBe(1);
    });
  });
});
