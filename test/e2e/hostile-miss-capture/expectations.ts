import { stableHeaders } from '../helpers/safety';
import { HELD } from './miss-capture.app';

/** A response as these suites compare it (supertest's or the raw client's, normalized). */
export type Res = { status: number; text: string; headers: Record<string, unknown> };

/** No header of any response carries the (removed) held-ETag placeholder. */
export function expectNoHeld(...responses: { headers: Record<string, unknown> }[]): void {
  for (const res of responses) expect(JSON.stringify(res.headers)).not.toContain(HELD);
}

/** `miss` is what the framework alone answers (`stock`): status, bytes and headers. */
export function expectAsStock(stock: Res, miss: Res): void {
  expect({ status: miss.status, text: miss.text }).toEqual({
    status: stock.status,
    text: stock.text,
  });
  expect(stableHeaders(miss)).toEqual(stableHeaders(stock));
}
