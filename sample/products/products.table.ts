import { Product } from './product.entity';

const SEED: [id: string, name: string, price: number, costPrice: number][] = [
  ['1', 'Espresso cup', 4, 1.2],
  ['2', 'Milk jug', 12.5, 4.1],
  ['3', 'Burr grinder', 89, 41],
  ['4', 'Pour-over kettle', 39.9, 17],
];
const SEEDED_AT = new Date().toISOString();
let shared: Map<string, Product> | undefined;

/**
 * The sample's "database": a table per application, or, with `SAMPLE_SHARED_TABLE=1`
 * (`npm run sample:cluster`, two instances in one process), one table for all, as two instances
 * of a real service share one database.
 */
export function productsTable(): Map<string, Product> {
  if (process.env.SAMPLE_SHARED_TABLE === '1') return (shared ??= seed());
  return seed();
}

function seed(): Map<string, Product> {
  return new Map(
    SEED.map(([id, name, price, costPrice]) => [
      id,
      { id, name, price, costPrice, updatedAt: SEEDED_AT },
    ]),
  );
}
