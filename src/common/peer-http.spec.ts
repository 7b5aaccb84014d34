import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { callPeer, clipText, sanitizeJson, sanitizeText } from './peer-http';

/** A real server with one route per behaviour; `hits` counts requests per path. */
describe('callPeer (against a real HTTP server)', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, { method: string; authorization?: string }[]>();
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/redirect': (_req, res) => {
      res.writeHead(302, { location: '/target?secret=1' });
      res.end('moved');
    },
    '/target': (_req, res) => res.end('{"ok":true}'),
    '/huge': (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'a');
      let left = 64; // 1 MiB in all; the client stops reading long before
      const write = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      res.on('error', () => undefined);
      write();
    },
    '/nul': (_req, res) => res.end(Buffer.from([0x6f, 0x6b, 0x00, 0xc3, 0x28])),
    '/slow': () => undefined,
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      hits.set(path, [...(hits.get(path) ?? []), { method: req.method ?? '', authorization: req.headers.authorization }]);
      req.resume();
      (routes[path] ?? ((_q: IncomingMessage, r: ServerResponse) => r.writeHead(404).end()))(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (path: string, extra: Partial<Parameters<typeof callPeer>[0]> = {}) =>
    callPeer({ url: `${base}${path}`, method: 'POST', headers: { authorization: 'Bearer secret-key' }, body: '{}', timeoutMs: 2000, ...extra });

  it('reports a redirect with its Location (no query) and never follows it', async () => {
    const answer = await call('/redirect');
    expect(answer.status).toBe(302);
    expect(answer.error).toBe('redirected (HTTP 302 to /target); redirects are not followed');
    expect(hits.get('/target')).toBeUndefined();
  });

  it('reads at most maxBodyBytes and says the body was cut', async () => {
    const answer = await call('/huge', { maxBodyBytes: 1000 });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('a'.repeat(1000));
    expect(answer.truncated).toBe(true);
    expect(answer.error).toContain('larger than 1000 bytes');
  });

  it('turns U+0000 and bytes that are not UTF-8 into U+FFFD', async () => {
    const answer = await call('/nul');
    expect(answer.text).toBe('ok\uFFFD\uFFFD(');
  });

  it('gives up after the timeout with status 0', async () => {
    const answer = await call('/slow', { timeoutMs: 150 });
    expect(answer).toEqual(expect.objectContaining({ status: 0, error: 'no answer within 150 ms' }));
  });

  it('reports a refused connection with status 0', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const answer = await callPeer({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {}, timeoutMs: 1000 });
    expect(answer.status).toBe(0);
    expect(answer.error).toBe('ECONNREFUSED');
  });
});

describe('callPeer: what may and may not be sent again', () => {
  it('starts no request once its signal is aborted, and says nothing was sent', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const controller = new AbortController();
      controller.abort(new Error('its lease could lapse before a request would end'));
      const answer = await callPeer({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        method: 'POST',
        headers: {},
        body: '{}',
        timeoutMs: 1000,
        signal: controller.signal,
      });
      expect(answer).toEqual(expect.objectContaining({ status: 0, notSent: true, error: 'not sent: its lease could lapse before a request would end' }));
      expect(requests).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /**
   * A peer that answers the first request of a connection and resets it when a second one comes on it (a
   * keep-alive socket the peer closed as it idled), and, with `resetFresh`, resets every new connection at once.
   */
  const startResettingPeer = async (resetFresh = false) => {
    const seen: { connection: number; request: number }[] = [];
    let connections = 0;
    const server = net.createServer((socket) => {
      const connection = ++connections;
      let requests = 0;
      socket.on('error', () => undefined);
      socket.on('data', () => {
        requests++;
        seen.push({ connection, request: requests });
        if (requests > 1 || resetFresh) socket.resetAndDestroy();
        else socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\n{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
  };

  it('sends again, once and on a fresh socket, a request reset on a reused keep-alive socket before any byte of the answer', async () => {
    const peer = await startResettingPeer();
    try {
      const first = await callPeer({ url: peer.url, method: 'POST', headers: {}, body: '{}', timeoutMs: 2000 });
      expect(first.status).toBe(200);
      const second = await callPeer({ url: peer.url, method: 'POST', headers: {}, body: '{}', timeoutMs: 2000 });
      expect(second).toEqual(expect.objectContaining({ status: 200, text: '{"ok":true}' }));
      // The reset one on the reused connection, then the same request on a new one.
      expect(peer.seen).toEqual([
        { connection: 1, request: 1 },
        { connection: 1, request: 2 },
        { connection: 2, request: 1 },
      ]);
    } finally {
      await peer.close();
    }
  });

  it('does not send again a request reset on a fresh socket: the peer may have acted on it', async () => {
    const peer = await startResettingPeer(true);
    try {
      const answer = await callPeer({ url: peer.url, method: 'POST', headers: {}, body: '{}', timeoutMs: 2000 });
      expect(answer).toEqual(expect.objectContaining({ status: 0, error: 'ECONNRESET' }));
      expect(answer.notSent).toBeUndefined();
      expect(peer.seen).toEqual([{ connection: 1, request: 1 }]);
    } finally {
      await peer.close();
    }
  });
});

describe('text a column takes', () => {
  it('sanitizes U+0000 and lone surrogates, keeping pairs', () => {
    expect(sanitizeText('a\u0000b\uD800c\uDC00d😀')).toBe('a\uFFFDb\uFFFDc\uFFFDd😀');
  });

  it('sanitizes strings and keys inside parsed JSON', () => {
    expect(sanitizeJson({ 'k\u0000': ['x\u0000', 1, null, { y: '\uDBFF' }] })).toEqual({ 'k\uFFFD': ['x\uFFFD', 1, null, { y: '\uFFFD' }] });
  });

  // A peer's {"__proto__":{"success":true}} was copied by assignment: the copy's prototype, so `success` read as true.
  it('keeps a peer\'s "__proto__" key a plain field, never the prototype of the copy', () => {
    for (const text of ['{"__proto__":{"success":true,"ticketId":"rsp-evil-1"}}', '{"ok":1,"nested":[{"__proto__":{"success":true}}]}']) {
      const parsed = JSON.parse(text);
      const copy = sanitizeJson(parsed) as Record<string, unknown>;
      expect(JSON.stringify(copy)).toBe(text);
      const objects = [copy, ...((copy.nested as Record<string, unknown>[] | undefined) ?? [])];
      for (const object of objects) {
        expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
        expect(object.success).toBeUndefined();
        expect(object.ticketId).toBeUndefined();
      }
    }
    expect(({} as Record<string, unknown>).success).toBeUndefined();
  });

  it('clips to the column without splitting a surrogate pair', () => {
    expect(clipText('abc', 3)).toBe('abc');
    expect(clipText('abcd', 3)).toBe('ab…');
    expect(clipText('a😀b', 3)).toBe('a…');
    expect(clipText('a😀b', 3).length).toBeLessThanOrEqual(3);
  });
});
