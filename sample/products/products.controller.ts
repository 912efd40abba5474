import { Body, Controller, Get, Headers, Param, Put } from '@nestjs/common';
import { Cached, CacheService } from '../nestjs-cached';
import { Product } from './product.entity';
import { ProductsService } from './products.service';
import { UpdateProductDto } from './update-product.dto';

/**
 * `GET /products` and `GET /products/:id` are cached responses; `PUT /products/:id` updates a
 * product and invalidates what it changed.
 */
@Controller('products')
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly cache: CacheService,
  ) {}

  /** One entry per query string and `Accept-Language` (prices are formatted for it). */
  @Get()
  @Cached({ vary: ['accept-language'] })
  list(@Headers('accept-language') acceptLanguage?: string): Promise<Product[]> {
    return this.products.findAll(localeOf(acceptLanguage));
  }

  /** 30 s under a key of our own, `product:<id>`, so `update()` can delete it by name. */
  @Get(':id')
  @Cached('30s', 'product:{params.id}')
  async findOne(@Param('id') id: string): Promise<Product> {
    // A hit of the service's cache is plain data: wrap it again so @Exclude() still applies.
    return new Product(await this.products.findOne(id));
  }

  /**
   * The service evicts its own `findOne(id)` entry; the responses cached here are dropped by key
   * (`product:<id>`) and by the implicit tag every `list()` entry carries, whatever its language.
   * Declaratively: `@CacheEvict({ keys: ['product:{params.id}'], tags: ['ProductsController.list'] })`.
   */
  @Put(':id')
  async update(@Param('id') id: string, @Body() dto: UpdateProductDto): Promise<Product> {
    const product = await this.products.update(id, dto);
    await Promise.all([
      this.cache.delete(`product:${id}`),
      this.cache.invalidateTags('ProductsController.list'),
    ]);
    return product;
  }
}

function localeOf(acceptLanguage: string | undefined): string {
  const first = acceptLanguage?.split(',')[0]?.split(';')[0]?.trim();
  try {
    return first && Intl.NumberFormat.supportedLocalesOf(first).length > 0 ? first : 'en';
  } catch {
    return 'en'; // not a well-formed language tag
  }
}
