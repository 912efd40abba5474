import {
  CallHandler,
  Controller,
  Get,
  Injectable,
  Module,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { Payload, work } from '../app/workload';
import { defineVariant } from '../harness/variant';

/** The cheapest interceptor that runs the handler: it hands the call straight on. */
@Injectable()
class PassThroughInterceptor implements NestInterceptor {
  intercept(_ctx: unknown, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

@Controller()
class ItemController {
  @Get('item')
  @UseInterceptors(PassThroughInterceptor)
  item(): Promise<Payload> {
    return work();
  }
}

@Module({ controllers: [ItemController] })
class PassThroughModule {}

export default defineVariant({
  title: 'interceptor pass-through (next.handle(), no cache)',
  role: 'cache',
  scenarios: ['miss'],
  notes:
    'What any interceptor that runs the handler pays: Nest builds the call handler (on Node 20 ' +
    'with AsyncResource.bind) and pipes the result. The gap to uncached is the framework.',
  createModule: () => PassThroughModule,
});
