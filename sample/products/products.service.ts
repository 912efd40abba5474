import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CacheEvict, Cached } from '../nestjs-cached';
import { Product } from './product.entity';
import { UpdateProductDto } from './update-product.dto';

const SEED: [id: string, name: string, price: number, costPrice: number][] = [
  ['1', 'Espresso cup', 4, 1.2],
  ['2', 'Milk jug', 12.5, 4.1],
  ['3', 'Burr grinder', 89, 41],
  ['4', 'Pour-over kettle', 39.9, 17],
];
const SEEDED_AT = new Date().toISOString();

/**
 * The catalogue, in memory, behind a simulated slow database (`DELAY_MS`, default 200 ms) so cache
 * hits are easy to tell from misses.
 */
@Injectable()
export class ProductsService {
  private readonly logger = new Logger(ProductsService.name);
  private readonly delayMs = Number(process.env.DELAY_MS ?? 200);
  private readonly products = new Map<string, Product>(
    SEED.map(([id, name, price, costPrice]) => [
      id,
      { id, name, price, costPrice, updatedAt: SEEDED_AT },
    ]),
  );

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
