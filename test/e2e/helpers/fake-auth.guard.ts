import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';

/**
 * Sets `req.user` as an auth guard would: from the `x-user` header as `{ id, name }`, or from the
 * `x-sub` header as `{ sub }`. Requests without either stay anonymous.
 */
@Injectable()
export class FakeAuthGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest();
    const id = req.headers['x-user'];
    if (id !== undefined) req.user = { id, name: `user ${id}` };
    else if (req.headers['x-sub'] !== undefined) req.user = { sub: req.headers['x-sub'] };
    return true;
  }
}
