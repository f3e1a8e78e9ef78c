import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listByManagement, managementTarget } from './management-api';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('managementTarget', () => {
  it("defaults to port 15672 on the AMQP host with the AMQP URL's login and vhost", () => {
    expect(managementTarget({ amqpUrl: 'amqp://app:s%40cret@mq.example:5672/prod' })).toEqual({ base: 'http://mq.example:15672', auth: basic('app:s@cret'), vhost: 'prod' });
    expect(managementTarget({ amqpUrl: 'amqp://127.0.0.1' })).toEqual({ base: 'http://127.0.0.1:15672', auth: basic('guest:guest'), vhost: '/' });
  });

  it("takes the management URL's own login, and never keeps it in the base URL", () => {
    const t = managementTarget({ amqpUrl: 'amqp://app:pw@mq:5672', managementUrl: 'https://admin:secret@mgmt:443/' });
    expect(t).toEqual({ base: 'https://mgmt', auth: basic('admin:secret'), vhost: '/' });
  });
});

describe('listByManagement', () => {
  it("lists only the cluster's objects, page by page, and says why when the API refuses the login", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url!);
      if (req.headers.authorization !== basic('guest:guest')) return void res.writeHead(401).end();
      const url = new URL(req.url!, 'http://x');
      const page = Number(url.searchParams.get('page'));
      const items = url.pathname.startsWith('/api/queues/')
        ? page === 1
          ? [{ name: 'hypernode.c1.inbox.w1', consumers: 0, messages: 3 }, { name: 'hypernode.c1x.inbox.w1', consumers: 1, messages: 0 }]
          : [{ name: 'hypernode.c1.rpc.admin', consumers: 1, messages: 0 }]
        : [{ name: 'hypernode.c1.events' }];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items, page_count: url.pathname.startsWith('/api/queues/') ? 2 : 1 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const listing = await listByManagement({ amqpUrl: 'amqp://127.0.0.1/', managementUrl: `http://127.0.0.1:${port}`, cluster: 'c1' });
      expect(listing).toEqual({
        ok: true,
        where: `http://127.0.0.1:${port}`,
        queues: [
          { name: 'hypernode.c1.inbox.w1', consumers: 0, messages: 3 },
          { name: 'hypernode.c1.rpc.admin', consumers: 1, messages: 0 },
        ],
        exchanges: ['hypernode.c1.events'],
      });
      expect(seen[0]).toMatch(/^\/api\/queues\/%2F\?page=1&page_size=500&name=%5Ehypernode%5C.c1%5C.&use_regex=true/);
      const refused = await listByManagement({ amqpUrl: 'amqp://u:p@127.0.0.1/', managementUrl: `http://127.0.0.1:${port}`, cluster: 'c1' });
      expect(refused).toEqual({ ok: false, where: `http://127.0.0.1:${port}`, why: `the management API at http://127.0.0.1:${port} refused the login (401); give a user with the 'monitoring' or 'administrator' tag in --management-url` });
    } finally {
      server.close();
    }
  });
});
