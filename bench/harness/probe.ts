import * as http from 'node:http';

export interface ProbeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET to 127.0.0.1:`port`, bounded by `timeoutMs`. */
export function probe(port: number, path: string, timeoutMs = 5000): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`GET ${path}: timed out`)));
    request.on('error', reject);
  });
}

/**
 * Checks that `path` answers 200 with `expectedBody` and, when `header` is given, that it carries
 * `header: expected` — so a benchmark never measures a broken or bypassed path.
 */
export async function expectResponse(
  port: number,
  path: string,
  expectedBody: string,
  header?: { name: string; expected: string },
): Promise<void> {
  const response = await probe(port, path);
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}`);
  if (response.body !== expectedBody) problems.push(`body ${response.body.slice(0, 80)}`);
  if (header) {
    const actual = String(response.headers[header.name] ?? '(absent)');
    if (actual.toUpperCase() !== header.expected) {
      problems.push(`${header.name}: ${actual}, expected ${header.expected}`);
    }
  }
  if (problems.length) throw new Error(`GET ${path}: ${problems.join('; ')}`);
}
