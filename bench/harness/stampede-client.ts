import * as net from 'node:net';

export interface StampedeResult {
  sent: number;
  ok: number;
  /** Responses by their `X-Cache` header value (`none` when absent). */
  xCache: Record<string, number>;
  seconds: number;
}

const CONNECT_BATCH = 100;

function connect(port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function readResponse(socket: net.Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let head = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      if (head.length < 4096) head += chunk;
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(head);
    });
  });
}

/**
 * Opens `count` connections first, then writes one `GET path` on each in the same tick, so the
 * server sees them all at once (`Connection: close`, one request per socket).
 */
export async function stampede(
  port: number,
  path: string,
  count: number,
  timeoutMs = 30_000,
): Promise<StampedeResult> {
  const sockets: net.Socket[] = [];
  try {
    // In batches, so the listen backlog never overflows into SYN retries.
    for (let i = 0; i < count; i += CONNECT_BATCH) {
      const batch = Math.min(CONNECT_BATCH, count - i);
      sockets.push(
        ...(await Promise.all(Array.from({ length: batch }, () => connect(port, 5000)))),
      );
    }
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    const t0 = process.hrtime.bigint();
    const responses = sockets.map((socket) => readResponse(socket, timeoutMs));
    for (const socket of sockets) socket.write(request);
    const heads = await Promise.all(responses);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const result: StampedeResult = { sent: count, ok: 0, xCache: {}, seconds };
    for (const head of heads) {
      if (head.startsWith('HTTP/1.1 200')) result.ok++;
      const value = /\r\nx-cache:\s*([^\r]*)/i.exec(head)?.[1]?.toUpperCase() ?? 'none';
      result.xCache[value] = (result.xCache[value] ?? 0) + 1;
    }
    return result;
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}
