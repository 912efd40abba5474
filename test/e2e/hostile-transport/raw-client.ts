import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as they came over the wire (still encoded). */
  wire: Buffer;
  /** The bytes after undoing Content-Encoding. */
  body: Buffer;
}

/** Starts listening on an ephemeral port and returns the base URL. */
export async function listen(server: http.Server): Promise<number> {
  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** A request with exactly the headers given (no implicit Accept-Encoding, no decoding). */
export function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method, headers: { connection: 'close', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const wire = Buffer.concat(chunks);
          const enc = String(res.headers['content-encoding'] ?? '');
          const body =
            enc === 'gzip'
              ? zlib.gunzipSync(wire)
              : enc === 'br'
                ? zlib.brotliDecompressSync(wire)
                : enc === 'deflate'
                  ? zlib.inflateSync(wire)
                  : wire;
          resolve({ status: res.statusCode!, headers: res.headers, wire, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}
