import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';

/** Who the demo guard says is calling. */
export interface DemoUser {
  id: string;
}

/** The request fields the demo guard reads and writes (Express and Fastify alike). */
export interface DemoRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: DemoUser;
}

/**
 * A stand-in for real authentication: trusts the `x-user` header and sets `req.user`, which is what
 * `scope: 'user'` keys entries by (`req.user.id`). Never do this in production.
 */
@Injectable()
export class DemoAuthGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<DemoRequest>();
    const id = req.headers['x-user'];
    if (typeof id !== 'string' || id.length === 0) {
      throw new UnauthorizedException('Send an x-user header, e.g. x-user: alice');
    }
    req.user = { id };
    return true;
  }
}
