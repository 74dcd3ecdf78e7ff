import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SyncService } from '../../src/sync/syncService';
import { TeamApiError, TeamClient } from '../../src/sync/teamClient';
import { RecordingServer } from '../support/recordingServer';

const TOKEN = 'team-token-for-this-origin-only';

/** A team endpoint that answers every request with `answer`. */
async function endpoint(answer: (res: http.ServerResponse) => void): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<TeamApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TeamApiError, `a TeamApiError, not ${(error as Error).name}: ${(error as Error).message}`);
    return error;
  }
  assert.fail('the call succeeded');
}

describe('team client against a hostile or broken endpoint', () => {
  it('does not follow a redirect: the token never reaches another server', async () => {
    const elsewhere = await new RecordingServer().start();
    const redirecting = await endpoint((res) => {
      res.writeHead(307, { location: `${elsewhere.url}/v1/budget` });
      res.end();
    });
    try {
      const error = await failure(new TeamClient(redirecting.url, TOKEN).getBudget());
      assert.equal(error.kind, 'rejected');
      assert.match(
        error.message,
        /redirects to http:\/\/127\.0\.0\.1:\d+\/v1\/budget; the token is sent to http:\/\/127\.0\.0\.1:\d+ only/,
      );
      assert.equal(elsewhere.requests.length, 0, elsewhere.describe());
    } finally {
      await redirecting.stop();
      await elsewhere.stop();
    }
  });

  it('stops reading an endless answer at a bound instead of buffering it', async () => {
    let sent = 0;
    const endless = await endpoint((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < 512 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent >= 512 * 1024 * 1024) res.end();
      };
      res.on('drain', pump);
      pump();
    });
    try {
      const error = await failure(new TeamClient(endless.url, TOKEN).getBudget());
      assert.equal(error.kind, 'retry');
      assert.match(error.message, /larger than 1 MB/);
      assert.ok(sent < 64 * 1024 * 1024, `the client stopped the transfer early (${sent} bytes sent)`);
    } finally {
      await endless.stop();
    }
  });

  it("reports an answer that is not JSON, or not the budget, as the endpoint's fault and keeps no policy", async () => {
    const html = await endpoint((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    });
    const wrongShape = await endpoint((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ applied: true, revision: 1, team: null, budget: { unit: 'usd', daily: 'lots' } }));
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-team-hostile-'));
    try {
      assert.match((await failure(new TeamClient(html.url, TOKEN).getBudget())).message, /not JSON/);
      const malformed = await failure(new TeamClient(wrongShape.url, TOKEN).getBudget());
      assert.match(malformed.message, /budget answer is malformed \(team, user, budget, peakHours\)/);

      const service = new SyncService({
        dataDir,
        endpoint: wrongShape.url,
        token: TOKEN,
        extensionVersion: 'test',
        rows: () => [],
        recentDays: () => [],
      });
      const status = await service.sync();
      assert.equal(status.policy, undefined, 'a malformed budget is never applied');
      assert.match(status.problem ?? '', /malformed/);
    } finally {
      await html.stop();
      await wrongShape.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
