import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { Cached } from '../nestjs-cached';
import { DemoAuthGuard, DemoRequest } from './demo-auth.guard';

/**
 * `GET /me`: a per-user response. A request with `req.user` never touches a shared entry;
 * `scope: 'user'` gives each user their own, keyed by `req.user.id`.
 */
@Controller('me')
@UseGuards(DemoAuthGuard)
export class MeController {
  @Get()
  @Cached({ scope: 'user' })
  me(@Req() req: DemoRequest) {
    const { id } = req.user!;
    return { id, greeting: `Hello, ${id}!`, generatedAt: new Date().toISOString() };
  }
}
