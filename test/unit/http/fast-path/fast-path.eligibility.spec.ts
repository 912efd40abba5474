import { Controller, Get } from '@nestjs/common';
import { Cached } from 'nestjs-cached';
import { decideFastPath } from '../../../../lib/http/fast-path/fast-path.eligibility';
import { resolveOptions } from '../../../../lib/options/resolve-options';
import { CachedMetadata } from '../../../../lib/metadata/cached-metadata';

@Controller('unit')
class UnitController {
  @Get()
  @Cached({ scope: 'public' })
  item() {
    return 1;
  }
}

describe('decideFastPath', () => {
  const options = resolveOptions({ fastPath: true });
  const route = (appConfig: object | undefined) => ({
    cls: UnitController,
    handler: UnitController.prototype.item,
    cached: { scope: 'public' } as CachedMetadata,
    appConfig,
    isOurs: () => true,
    sendsItself: false,
  });

  it('grants an eligible route when the app config is readable', () => {
    expect(decideFastPath(route({}), options)).toEqual({ requested: true, eligible: true });
  });

  it('refuses when the app config (global guards) cannot be read', () => {
    expect(decideFastPath(route(undefined), options)).toMatchObject({ eligible: false });
  });
});
