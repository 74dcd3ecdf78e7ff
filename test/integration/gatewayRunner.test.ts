import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GatewayHost } from '../../src/capture/gateway/host';
import { GatewayRunner } from '../../src/capture/gateway/runner';
import type { GatewaySettings } from '../../src/core/settings';
import { freePort, isListening } from '../support/net';

describe('gateway runner: settings changes in quick succession (real hosts on 127.0.0.1)', function () {
  this.timeout(30_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-runner-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const settings = (port: number, enabled = true): GatewaySettings => ({
    enabled,
    port,
    upstreams: { openai: 'http://127.0.0.1:9', anthropic: 'http://127.0.0.1:9' },
    enforcement: 'soft',
    maxBodyBytes: 1024 * 1024,
    spikeAlert: false,
  });

  function runner(seen: Array<GatewayHost | undefined>): GatewayRunner {
    return new GatewayRunner(
      (s) => ({ dataDir, port: s.port, upstreams: s.upstreams, maxBodyBytes: s.maxBodyBytes, sink: { record: () => undefined } }),
      (host) => seen.push(host),
    );
  }

  it('ends with one gateway, on the last port asked for, when the port changes twice without waiting', async () => {
    const [first, second, third] = [await freePort(), await freePort(), await freePort()];
    const seen: Array<GatewayHost | undefined> = [];
    const gateway = runner(seen);
    await Promise.all([gateway.apply(settings(first)), gateway.apply(settings(second)), gateway.apply(settings(third))]);
    try {
      assert.deepEqual(await Promise.all([isListening(first), isListening(second), isListening(third)]), [false, false, true]);
      assert.match(gateway.current?.urls.openai ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${third}/`));
      assert.equal(seen.at(-1), gateway.current, 'terminals point at the host that runs');
    } finally {
      await gateway.dispose();
    }
    assert.equal(await isListening(third), false, 'disposed: nothing listens');
  });

  it('leaves nothing running when the gateway is turned on and off again at once', async () => {
    const port = await freePort();
    const gateway = runner([]);
    await Promise.all([gateway.apply(settings(port)), gateway.apply(settings(port, false))]);
    assert.equal(await isListening(port), false);
    assert.equal(gateway.current, undefined);
    await gateway.dispose();
  });
});
