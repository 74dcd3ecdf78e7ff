import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedRequest } from './fakeUpstream';

/**
 * A server on 127.0.0.1 that answers every request with 200 and `{}` and keeps what it received:
 * an OTLP collector stand-in, or the server a hostile workspace points settings at (which must
 * receive nothing).
 */
export class RecordingServer {
  readonly requests: ReceivedRequest[] = [];
  private server: http.Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** What was received, one line a request, for assertion messages. */
  describe(): string {
    return (
      this.requests
        .map(
          (r) =>
            `${r.method} ${r.path} (authorization: ${r.headers.authorization ? 'present' : 'none'}, x-api-key: ${r.headers['x-api-key'] ? 'present' : 'none'})`,
        )
        .join('\n') || 'nothing'
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
