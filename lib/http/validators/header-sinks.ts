import type { ServerResponse } from 'node:http';
import { HeaderSink } from './cached-answer';

/** A Fastify reply, as far as validators need it. */
export interface FastifyReplyLike {
  statusCode: number;
  code(status: number): unknown;
  getHeader(name: string): unknown;
  header(name: string, value: unknown): unknown;
  removeHeader(name: string): unknown;
}

/** Headers of a Fastify reply (written by Fastify when it sends). */
export function replySink(reply: FastifyReplyLike): HeaderSink {
  return {
    get: (name) => reply.getHeader(name),
    set: (name, value) => reply.header(name, value),
    remove: (name) => reply.removeHeader(name),
  };
}

/** Headers of a Node.js response not yet sent. */
export function rawSink(raw: ServerResponse): HeaderSink {
  return {
    get: (name) => raw.getHeader(name),
    set: (name, value) => raw.setHeader(name, value),
    remove: (name) => raw.removeHeader(name),
  };
}
