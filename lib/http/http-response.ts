/** The few response operations the interceptor needs, on Express and Fastify alike. */
export interface HttpResponseLike {
  statusCode: number;
  status(code: number): unknown;
  header(name: string, value: string | string[]): unknown;
  getHeaders(): Record<string, unknown>;
  headersSent?: boolean;
  sent?: boolean;
}
