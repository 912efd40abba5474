import { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { beforeFastifySend, forgetFastifySend } from './fastify-send-hook';
import { dropRepresentation, HeaderSink } from './validators/cached-answer';
import { FastifyReplyLike, rawSink, replySink } from './validators/header-sinks';

/** Bodies larger than this are sent but never stored. */
export const MAX_CAPTURED_BYTES = 16 * 1024 * 1024;

/** What a response put on the wire, read at the Node.js response itself. */
export interface CapturedResponse {
  status: number;
  /**
   * Headers as they stood when the response started (before transport layers such as Express's
   * `compression` or a session's late `Set-Cookie` hook added theirs).
   */
  headers: Record<string, unknown>;
  /** Headers as they were finally written, transport layers included: storability reads these. */
  finalHeaders: Record<string, unknown>;
  /** A string when it went out as one UTF-8 text (the usual JSON body): no copy to bytes. */
  body: Buffer | string;
  /**
   * Fastify: `body` and `headers` are the payload and headers as they entered the `onSend` hooks
   * (before transport hooks encoded them); a hit goes through those hooks again.
   */
  throughSend?: boolean;
}

const EMPTY = Buffer.alloc(0);

type Done = (captured: CapturedResponse | undefined) => void;

/**
 * Called once just before the head of a response whose whole body is known goes out, to set
 * headers through `sink`; `true` answers `304` without the body (the capture still records the
 * full response).
 */
export type BeforeHead = (status: number, body: Buffer | string, sink: HeaderSink) => boolean;

const METHODS = ['writeHead', 'write', 'end'] as const;

/** The capture wrappers (`METHODS` order) of the responses being recorded by prototype. */
const ACTIVE = new WeakMap<object, Function[]>();
/** Per response prototype, the one put under it while a response is recorded. */
const CAPTURING = new WeakMap<object, object>();

/**
 * A prototype over `base` whose `writeHead` / `write` / `end` call the capture's wrappers of the
 * response they are called on, while it is recorded, and `base`'s methods otherwise (after the
 * capture, or for a wrapper an inner layer installed over them).
 */
function capturingPrototype(base: object): object {
  let proto = CAPTURING.get(base);
  if (proto !== undefined) return proto;
  proto = Object.create(base) as object;
  METHODS.forEach((name, i) => {
    const method = function (this: object, ...args: unknown[]): unknown {
      const wrappers = ACTIVE.get(this);
      const target =
        wrappers !== undefined ? wrappers[i] : (base as Record<string, Function>)[name];
      return target.apply(this, args);
    };
    Object.defineProperty(proto, name, { value: method, writable: true, configurable: true });
  });
  CAPTURING.set(base, proto);
  return proto;
}

/**
 * Records what is actually sent on `raw` (Express's response, Fastify's `reply.raw`): the status,
 * the headers and the body bytes after every serializer, hook, schema and view engine the app
 * uses. Installed as the outermost wrapper for one response, it sees the bytes before transport
 * encodings installed earlier (Express `compression`) and calls `done` once: with the response
 * when it ended, `undefined` when it closed first or grew past `MAX_CAPTURED_BYTES`.
 */
export function captureResponse(
  raw: ServerResponse,
  done: Done,
  reply?: object,
  beforeHead?: BeforeHead,
): () => void {
  const saved = METHODS.map((name) => Object.getOwnPropertyDescriptor(raw, name));
  const original = { writeHead: raw.writeHead, write: raw.write, end: raw.end };
  const chunks: (Buffer | string)[] = [];
  let size = 0;
  let overflow = false;
  let status = 0;
  let headers: Record<string, unknown> | undefined;
  let finalHeaders: Record<string, unknown> | undefined;
  let finished = false;
  /** The status a response had before `beforeHead` turned it into a `304`. */
  let notModifiedFrom = 0;

  /** Ours, in `METHODS` order, once installed. */
  const wrappers: unknown[] = [];
  // Puts the methods back where ours are still on top; a wrapper installed over ours later (an
  // inner interceptor's) stays, and ours, finished, passes every call straight through.
  const restore = () => {
    if (byPrototype) ACTIVE.delete(raw);
    else restoreOwn();
    raw.removeListener('close', onClose);
  };
  const restoreOwn = () => {
    METHODS.forEach((name, i) => {
      if ((raw as unknown as Record<string, unknown>)[name] !== wrappers[i]) return;
      const descriptor = saved[i];
      if (descriptor) Object.defineProperty(raw, name, descriptor);
      // Assigned back rather than deleted: a `delete` would turn the response into a slow
      // dictionary object for everything Node.js and the framework still do with it.
      else (raw as unknown as Record<string, unknown>)[name] = original[name];
    });
  };
  let beforeSend: { payload: string | Buffer; headers: Record<string, unknown> } | undefined;
  const fastify = reply !== undefined && reply !== raw;
  // Express's response, with none of the three methods of its own (no `compression` before us).
  const byPrototype = !fastify && saved.every((descriptor) => descriptor === undefined);
  if (fastify) {
    beforeFastifySend(reply, (payload, headers) => {
      // Without a content type, sending the body again would make Fastify pick one.
      const typed = headers['content-type'] !== undefined;
      let body: Buffer | string | undefined;
      if (typed && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
        beforeSend = { payload, headers };
        // A string as it is: its entity tag is over its UTF-8 bytes either way, with no copy.
        body = payload;
      } else if (payload === undefined || payload === null) body = EMPTY; // a redirect, a 204
      if (beforeHead === undefined || body === undefined) return;
      const sink = replySink(reply as FastifyReplyLike);
      const status = (reply as FastifyReplyLike).statusCode;
      if (!beforeHead(status, body, sink)) return;
      notModifiedFrom = status;
      dropRepresentation(sink);
      (reply as FastifyReplyLike).code(304);
      return true;
    });
  }
  const finish = (captured: CapturedResponse | undefined) => {
    if (finished) return;
    finished = true;
    restore();
    if (fastify) forgetFastifySend(reply);
    if (captured && beforeSend) {
      const { payload, headers } = beforeSend;
      const large = payload.length * 3 > MAX_CAPTURED_BYTES;
      if (large && Buffer.byteLength(payload) > MAX_CAPTURED_BYTES) captured = undefined;
      // `headers` is the reply's own fresh copy (getHeaders()), taken for this capture only.
      else if (captured) Object.assign(captured, { headers, body: payload, throughSend: true });
    }
    if (captured && notModifiedFrom !== 0) captured = { ...captured, status: notModifiedFrom };
    done(captured);
  };
  const onClose = () => finish(undefined);
  const record = (chunk: unknown, encoding: unknown) => {
    // Node.js sends strings and bytes only (it throws for anything else, and nothing goes out).
    if ((typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) || overflow) return;
    // Fastify: the body is the payload the onSend hook saw; the bytes need no copy.
    if (beforeSend !== undefined) return;
    const piece = isText(chunk, encoding) ? chunk : toBuffer(chunk, encoding);
    // A string's byte length is at most 3 per UTF-16 unit: an exact count only near the bound.
    size += typeof piece === 'string' ? piece.length : piece.length;
    if (typeof piece === 'string' && size * 3 > MAX_CAPTURED_BYTES) {
      size += Buffer.byteLength(piece) - piece.length;
    }
    if (size > MAX_CAPTURED_BYTES) {
      overflow = true;
      chunks.length = 0;
    } else chunks.push(piece);
  };

  const writeHead = function (this: ServerResponse, code: number, ...rest: unknown[]) {
    if (finished) return (original.writeHead as Function).call(this, code, ...rest);
    const given = objectArgument(rest);
    if (headers === undefined) {
      status = code;
      headers = withGiven(raw.getHeaders(), given);
    }
    const result = (original.writeHead as Function).call(this, code, ...rest);
    finalHeaders = withGiven(raw.getHeaders(), given);
    return result;
  } as ServerResponse['writeHead'];
  const write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (!finished) record(chunk, rest[0]);
    return (original.write as Function).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  const end = function (this: ServerResponse, ...args: unknown[]) {
    const chunk = args[0];
    const encoding = args[1];
    if (finished) return (original.end as Function).apply(this, args);
    record(chunk, encoding);
    if (beforeHead !== undefined && headers === undefined && !raw.headersSent && !overflow) {
      // Express: the whole body is known before the head goes out.
      const code = raw.statusCode;
      const sink = rawSink(raw);
      if (beforeHead(code, join(chunks), sink)) {
        status = notModifiedFrom = code;
        headers = { ...raw.getHeaders() };
        dropRepresentation(sink);
        raw.statusCode = 304;
        args = args.filter((arg) => typeof arg === 'function');
      }
    }
    const result = (original.end as Function).apply(this, args);
    if (overflow || headers === undefined) finish(undefined);
    else finish({ status, headers, finalHeaders: finalHeaders ?? headers, body: join(chunks) });
    return result;
  } as ServerResponse['end'];
  wrappers.push(writeHead, write, end);
  if (byPrototype) {
    // Own properties added to an Express response cost new hidden classes on every request (each
    // response's is its own): the methods come from a shared prototype put under it instead.
    Object.setPrototypeOf(raw, capturingPrototype(Object.getPrototypeOf(raw) as object));
    ACTIVE.set(raw, wrappers as Function[]);
  } else {
    raw.writeHead = writeHead;
    raw.write = write;
    raw.end = end;
  }
  // `on`, not `once` (no wrapper per response): `finish` runs once, and takes it off.
  raw.on('close', onClose);
  return () => finish(undefined);
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  return Buffer.from(
    String(chunk),
    typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
  );
}

/** A string chunk written as UTF-8 (the default): kept as it is. */
function isText(chunk: unknown, encoding: unknown): chunk is string {
  return (
    typeof chunk === 'string' &&
    (encoding === undefined ||
      encoding === null ||
      typeof encoding === 'function' ||
      encoding === 'utf8' ||
      encoding === 'utf-8')
  );
}

function join(chunks: (Buffer | string)[]): Buffer | string {
  if (chunks.length === 1) return chunks[0];
  return Buffer.concat(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
  );
}

/** `writeHead`'s headers argument, if any (after the optional status message). */
function objectArgument(rest: unknown[]): unknown {
  for (let i = 0; i < rest.length; i++) {
    if (typeof rest[i] === 'object' && rest[i] !== null) return rest[i];
  }
  return undefined;
}

/** `headers` (a fresh copy, `getHeaders()`) with `writeHead`'s own header argument over them. */
function withGiven(headers: Record<string, unknown>, given: unknown): Record<string, unknown> {
  return given === undefined ? headers : Object.assign(headers, lowerCased(given));
}

/** `writeHead`'s header argument (an object, or a flat `[name, value, …]` list) by lower-case name. */
function lowerCased(given: unknown): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  if (Array.isArray(given)) {
    for (let i = 0; i + 1 < given.length; i += 2)
      out[String(given[i]).toLowerCase()] = given[i + 1];
  } else if (given) {
    for (const name of Object.keys(given)) {
      out[name.toLowerCase()] = (given as Record<string, never>)[name];
    }
  }
  return out;
}
