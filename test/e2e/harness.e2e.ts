import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatUsd } from '../../src/core/format';
import { exactly, pollFor, TOKEN_METER_ID, VsCodeSession } from './harness';

const METER_ID = `${TOKEN_METER_ID}.tokenMeter.meter`;

/** The extension's log output channel, as VS Code writes it under the user data dir's logs. */
function findChannelLog(userDataDir: string, channelFile: string): string | undefined {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return undefined;
  const found = fs.readdirSync(logs, { recursive: true, encoding: 'utf8' }).find((f) => path.basename(f) === channelFile);
  return found === undefined ? undefined : path.join(logs, found);
}

function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Checks the harness's own assumptions against the real extension, so scenario failures mean what they say. */
describe('e2e harness on a fresh profile', function () {
  this.timeout(180_000);
  let session: VsCodeSession | undefined;

  before(async () => {
    session = await VsCodeSession.start({ name: 'fresh' });
  });
  after(async () => session?.stop());

  it('shows an empty meter when nothing has been recorded', async () => {
    const text = await session!.waitForStatusBarText(METER_ID, exactly(`${formatUsd(0)} today`), 60_000);
    await session!.screenshot('empty-meter');
    assert.equal(text, `${formatUsd(0)} today`);
  });

  it('seeds files where the extension keeps its data (globalStorageUri)', async () => {
    const expectedDir = VsCodeSession.globalStorageDir(session!.userDataDir, TOKEN_METER_ID);
    let log = '';
    await pollFor(
      async () => {
        const file = findChannelLog(session!.userDataDir, 'Token Meter.log');
        log = file ? fs.readFileSync(file, 'utf8') : '';
        return log.includes('data in ') ? true : undefined;
      },
      30_000,
      () => `the Token Meter output channel never logged its data dir:\n${log || '(no Token Meter.log)'}`,
    );
    assert.ok(
      log.includes(`data in ${expectedDir}`),
      `the extension's log does not name ${expectedDir} as its data dir:\n${log || '(no Token Meter.log)'}`,
    );
  });

  it("stop() ends code-server's whole process group and deletes the temp dirs", async () => {
    const pgid = session!.serverPid!;
    const rootDir = session!.rootDir;
    assert.ok(processGroupAlive(pgid), 'code-server is not running before stop()');
    await session!.stop();
    session = undefined;
    assert.ok(!processGroupAlive(pgid), `process group ${pgid} is still alive after stop()`);
    assert.ok(!fs.existsSync(rootDir), `${rootDir} still exists after stop()`);
  });
});
