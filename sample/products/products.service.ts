import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CacheEvict, Cached } from '../nestjs-cached';
import { Product } from './product.entity';
import { productsTable } from './products.table';
import { UpdateProductDto } from './update-product.dto';

/**
 * The catalogue, in memory, behind a simulated slow database (`DELAY_MS`, default 200 ms) so cache
 * hits are easy to tell from misses.
 */
@Injectable()
export class ProductsService {
  private readonly logger = new Logger(ProductsService.name);
  private readonly delayMs = Number(process.env.DELAY_MS ?? 200);
  private readonly products = productsTable();

  async findAll(locale: string): Promise<Product[]> {
    await this.query('select all products');
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' });
    return [...this.products.values()].map(
      (p) => new Product({ ...p, priceLabel: format.format(p.price) }),
    );
  }

  /**
   * Cached by its argument for 10 minutes, whoever calls it. Tagged so `update()` can drop exactly
   * this product's entry (`product:{0}`) or every product (`products`).
   * Entries are stored by value: a hit is plain data, not a `Product` instance.
   */
  @Cached({ ttl: '10m', tags: ['products', 'product:{0}'] })
  async findOne(id: string): Promise<Product> {
    await this.query(`select product ${id}`);
    const product = this.products.get(id);
    if (!product) throw new NotFoundException(`No product ${id}`);
    return new Product({ ...product });
  }

  /** Drops the cached `findOne(id)` (and any other `products` entry) once the update succeeded. */
  @CacheEvict({ tags: ['product:{0}', 'products'] })
  async update(id: string, dto: UpdateProductDto): Promise<Product> {
    await this.query(`update product ${id}`);
    const product = this.products.get(id);
    if (!product) throw new NotFoundException(`No product ${id}`);
    const { name, price, costPrice } = dto;
    Object.assign(product, definedOnly({ name, price, costPrice }), {
      updatedAt: new Date().toISOString(),
    });
    return new Product({ ...product });
  }

  private async query(what: string): Promise<void> {
    this.logger.log(`database: ${what} (${this.delayMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
