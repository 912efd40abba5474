import { Exclude } from 'class-transformer';

/** A catalogue entry, as the API returns it. */
export class Product {
  id!: string;
  name!: string;
  /** In euros. */
  price!: number;
  /** `price` formatted for the caller's language (list only). */
  priceLabel?: string;
  updatedAt!: string;

  /**
   * What the shop pays its supplier. The global ClassSerializerInterceptor drops it from every
   * response, and the cache stores the serialized response, so hits never leak it either.
   */
  @Exclude()
  costPrice!: number;

  constructor(fields: Product) {
    Object.assign(this, fields);
  }
}
