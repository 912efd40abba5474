import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CacheEntry } from '../../../lib/core/cache-entry';
import { entryOf } from './helpers/entry-of';
import { copiedValue, MAX_TEMPLATE_PAYLOAD, templateBytes } from '../../../lib/core/frozen-value';
import { serializeValue } from '../../../lib/core/value.serializer';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap kept by reading each entry twice (the second copy keeps the decoded value). */
function keptBytes(entries: CacheEntry[]): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  for (const entry of entries) {
    copiedValue(entry);
    copiedValue(entry);
  }
  gc();
  return process.memoryUsage().heapUsed - before;
}

/** A plain JSON payload of about `MAX_TEMPLATE_PAYLOAD` characters: `item(i)` repeated. */
function payloadOf(item: (i: number) => unknown): string {
  const items: unknown[] = [];
  let length = 2;
  for (let i = 0; length < MAX_TEMPLATE_PAYLOAD - 200; i++) {
    const next = item(i);
    length += JSON.stringify(next).length + 1;
    items.push(next);
  }
  return serializeValue(items)!;
}

// The reader's memo bound counts `templateBytes` for a kept value: whatever the shape, the heap it
// keeps must not exceed that (shapes whose decoded form is much bigger than their text are parsed
// on every copy instead of kept).
describe.each([
  ['empty objects', () => ({})],
  ['one-item arrays', () => [0]],
  ['floats', (i: number) => i + 0.5],
  ['single digits', (i: number) => i % 10],
  ['objects with distinct key names', (i: number) => ({ [`k${i}`]: 1 })],
  [
    'realistic records',
    (i: number) => ({
      id: i,
      sku: `WID-${i}`,
      price: { amount: 1999, currency: 'EUR' },
      tags: ['a'],
    }),
  ],
])('a kept value of %s', (_, item) => {
  it('costs no more heap than the memo counts for it', () => {
    const entries = Array.from({ length: 10 }, () => entryOf(payloadOf(item)));
    const counted = entries.reduce((sum, entry) => sum + templateBytes(entry), 0);
    expect(keptBytes(entries)).toBeLessThanOrEqual(counted);
  });
});

describe('a realistic value', () => {
  it('is still kept: later copies are cloned, not parsed', () => {
    const entry = entryOf(
      serializeValue({ id: 1, tags: ['a', 'b'], price: { amount: 1999, currency: 'EUR' } })!,
    );
    const parse = jest.spyOn(JSON, 'parse');
    try {
      for (let i = 0; i < 5; i++) copiedValue(entry);
      expect(parse.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      parse.mockRestore();
    }
  });
});
