import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  body: string;
  xCache?: string;
}

/**
 * Sends every GET in `urls` at once (one keep-alive agent per origin, a socket per request) and
 * returns each reply in order; a network error is status 0.
 */
export async function burst(urls: string[]): Promise<Reply[]> {
  const agents = new Map<string, Agent>();
  const agentOf = (url: string) => {
    const origin = new URL(url).origin;
    let agent = agents.get(origin);
    if (agent === undefined) agents.set(origin, (agent = new Agent({ keepAlive: true })));
    return agent;
  };
  try {
    return await Promise.all(urls.map((url) => get(url, agentOf(url))));
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
}

function get(url: string, agent: Agent): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          xCache: res.headers['x-cache'] as string | undefined,
        }),
      );
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}
