/**
 * Called with a reply's payload as it enters Fastify's `onSend` hooks, and its headers then;
 * `true` sends no payload (a `304` the listener set).
 */
export type SendListener = (payload: unknown, headers: Record<string, unknown>) => boolean | void;

interface FastifyLike {
  addHook(name: 'onSend', hook: (...args: any[]) => void): unknown;
}

const listeners = new WeakMap<object, SendListener>();
const hooked = new WeakSet<object>();

/**
 * Adds, once per Fastify instance, an `onSend` hook that hands the payload of the replies the
 * cache records to their listener. Added as early as the app allows (before plugins registered
 * later, such as `@fastify/compress`), it sees the serialized body before transport hooks encode
 * it, so a hit can go through those hooks again (compression, ETags, cookies, request ids) for
 * its own request. An instance that is already started, or that is not Fastify, is left alone:
 * the cache then records what reaches the socket.
 */
export function hookFastifySend(instance: unknown): void {
  const fastify = instance as FastifyLike | undefined;
  if (typeof fastify?.addHook !== 'function' || hooked.has(fastify)) return;
  if (!isFastify(fastify)) return;
  try {
    fastify.addHook('onSend', onSend);
    hooked.add(fastify);
  } catch {
    // Started already (hooks cannot be added after `ready`): the raw capture stays.
  }
}

/** Hands `reply`'s payload to `listener` when it enters the `onSend` hooks, once. */
export function beforeFastifySend(reply: object, listener: SendListener): void {
  listeners.set(reply, listener);
}

/** Forgets a listener that did not fire (the reply went out another way). */
export function forgetFastifySend(reply: object): void {
  listeners.delete(reply);
}

function onSend(
  _request: unknown,
  reply: { getHeaders(): Record<string, unknown> },
  payload: unknown,
  done: (error: null, payload: unknown) => void,
): void {
  const listener = listeners.get(reply);
  if (listener !== undefined) {
    listeners.delete(reply);
    if (listener(payload, reply.getHeaders()) === true) return done(null, null);
  }
  done(null, payload);
}

function isFastify(instance: object): boolean {
  return typeof (instance as { decorateReply?: unknown }).decorateReply === 'function';
}
