import * as http from 'node:http';
import * as net from 'node:net';

/**
 * Servers and a raw client for attacking the gateway: a "thief" that must never be contacted, a
 * recording upstream, and a client that writes request lines byte for byte (Node's own client
 * refuses the malformed paths an attacker would send).
 */

/** A TCP listener that counts every connection (HTTP or not) and answers nothing useful. */
export class Thief {
  connections = 0;
  private readonly server = net.createServer((socket) => {
    this.connections++;
    socket.destroy();
  });
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** An upstream that records each request's line and headers and answers 200 with a small JSON body. */
export class RecordingUpstream {
  readonly seen: SeenRequest[] = [];
  private readonly server = http.createServer((req, res) => {
    this.seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface RawResponse {
  /** 0 when the connection closed without a status line. */
  status: number;
  text: string;
}

/** Sends `head` (request line and headers, CRLF-separated, without the blank line) and `body` as raw bytes. */
export function rawExchange(port: number, head: string, body = '', timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : 0, text });
    };
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(Buffer.from(`${head}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8'));
  });
}
