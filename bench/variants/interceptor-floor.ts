import {
  CallHandler,
  Controller,
  Get,
  Injectable,
  Module,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { Observable, of } from 'rxjs';
import { PAYLOAD, Payload, work } from '../app/workload';
import { defineVariant } from '../harness/variant';

/** The cheapest possible interceptor hit: answer a constant, never call the handler. */
@Injectable()
class ConstantInterceptor implements NestInterceptor {
  intercept(_ctx: unknown, _next: CallHandler): Observable<Payload> {
    return of(PAYLOAD);
  }
}

@Controller()
class ItemController {
  @Get('item')
  @UseInterceptors(ConstantInterceptor)
  item(): Promise<Payload> {
    return work();
  }
}

@Module({ controllers: [ItemController] })
class FloorModule {}

export default defineVariant({
  title: 'interceptor floor (constant from an interceptor)',
  role: 'cache',
  scenarios: ['hit'],
  notes:
    'What any interceptor-based cache pays at least: Nest runs its interceptor pipeline and the ' +
    'interceptor answers a constant without a lookup. The gap to limit is the framework, not a cache.',
  createModule: () => FloorModule,
});
