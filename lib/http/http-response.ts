/** The few response operations the interceptor needs, on Express and Fastify alike. */
export interface HttpResponseLike {
  statusCode: number;
  status(code: number): unknown;
  header(name: string, value: string | string[]): unknown;
  getHeaders(): Record<string, unknown>;
  /** One header by name (Express's and Fastify's responses both have it). */
  getHeader?(name: string): unknown;
  headersSent?: boolean;
  sent?: boolean;
}
