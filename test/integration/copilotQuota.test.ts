import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CopilotQuotaError, fetchCopilotQuota } from '../../src/capture/copilotQuota';
import { copilotUserJson } from '../support/copilotQuota';

const TOKEN = 'gho_GITHUB-SESSION-TOKEN-never-stored';

/** A local stand-in for GitHub's Copilot user endpoint; `answer` decides each response. */
async function standIn(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; requests: http.IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/copilot_internal/user`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("Copilot quota: GitHub's Copilot user endpoint (local stand-in)", function () {
  this.timeout(20_000);
  const reset = new Date(Date.now() + 10 * 86_400_000).toISOString();

  it('sends the GitHub token to the endpoint only, and reads the month', async () => {
    const endpoint = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(copilotUserJson(reset)));
    });
    try {
      const quota = await fetchCopilotQuota(endpoint.url, TOKEN);
      assert.equal(endpoint.requests[0].authorization, `token ${TOKEN}`);
      assert.deepEqual(
        quota.readings.map((r) => [r.window, r.usedRatio, r.resetsAt]),
        [['premium_interactions', 0.6, Date.parse(reset)]],
      );
      assert.ok(!JSON.stringify(quota).includes(TOKEN));
    } finally {
      await endpoint.close();
    }
  });

  it('never follows a redirect with the token', async () => {
    const elsewhere = await standIn((_req, res) => res.end('{}'));
    const endpoint = await standIn((_req, res) => {
      res.writeHead(302, { location: elsewhere.url });
      res.end();
    });
    try {
      await assert.rejects(fetchCopilotQuota(endpoint.url, TOKEN), CopilotQuotaError);
      assert.equal(elsewhere.requests.length, 0, 'the redirect target received nothing');
    } finally {
      await endpoint.close();
      await elsewhere.close();
    }
  });

  it('an error status, a non-JSON or an oversized answer is a clear error', async () => {
    let mode = 'unauthorized';
    const endpoint = await standIn((_req, res) => {
      if (mode === 'unauthorized') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"message":"Bad credentials"}');
      } else if (mode === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>sign in</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"pad":"${'x'.repeat(1024 * 1024)}"}`);
      }
    });
    try {
      await assert.rejects(
        fetchCopilotQuota(endpoint.url, TOKEN),
        (e: CopilotQuotaError) => e.status === 401 && /HTTP 401/.test(e.message),
      );
      mode = 'html';
      await assert.rejects(fetchCopilotQuota(endpoint.url, TOKEN), /did not answer with JSON/);
      mode = 'huge';
      await assert.rejects(fetchCopilotQuota(endpoint.url, TOKEN), /larger than 256 KB/);
    } finally {
      await endpoint.close();
    }
  });
});
