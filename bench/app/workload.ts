/** The ~200-byte JSON object every variant answers with. */
export const PAYLOAD = {
  id: 4217,
  sku: 'WID-4217-BLU',
  name: 'Widget, blue, 40 mm',
  price: { amount: 1999, currency: 'EUR' },
  stock: 128,
  tags: ['hardware', 'widgets', 'blue'],
  updatedAt: '2025-01-15T10:30:00.000Z',
  description: 'A blue widget.',
} as const;

export type Payload = typeof PAYLOAD;

/** Length of `JSON.stringify(PAYLOAD)`, reported with the results. */
export const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(PAYLOAD));

/** Simulated work of an uncached handler: a timer, not busy CPU, like an awaited database call. */
export const WORK_MS = 2;

let executions = 0;

/** How many times a handler ran `work()` in this process (read over IPC for the stampede). */
export function handlerExecutions(): number {
  return executions;
}

/** The body of every uncached or cached handler: count the run, await 2 ms, return the payload. */
export function work(): Promise<Payload> {
  executions++;
  return new Promise((resolve) => setTimeout(resolve, WORK_MS, PAYLOAD));
}

/** What the memory-bound route answers: the payload plus the request's own `n`. */
export type NumberedPayload = Payload & { n: string };

/**
 * The body of the memory-bound handler: no wait, and a fresh object naming the request, so every
 * entry costs real memory whether a store keeps objects or serialized copies.
 */
export function numberedPayload(n: string): Promise<NumberedPayload> {
  executions++;
  return Promise.resolve({ ...PAYLOAD, n });
}
