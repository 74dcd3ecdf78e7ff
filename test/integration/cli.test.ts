import * as assert from 'node:assert/strict';
import { BUILT_CLI } from '../support/cli';
import { spawnSync } from 'node:child_process';

function run(args: string[]) {
  const result = spawnSync(process.execPath, [BUILT_CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('token-meter command line (built dist/cli.js)', () => {
  it('prints help listing its commands and exits 0', () => {
    const { code, stdout, stderr } = run(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: token-meter <command>/);
    assert.match(stdout, /report\s+Print token usage/);
    assert.match(stdout, /gateway\s+Run the local metering gateway/);
    assert.equal(stderr, '');
  });

  it('prints its version', () => {
    const { code, stdout } = run(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), require('../../package.json').version);
  });

  it('rejects an unknown command on stderr with exit code 2', () => {
    const { code, stdout, stderr } = run(['reprot']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /unknown command "reprot"/);
  });

  it('without a command, shows usage and exits 2', () => {
    const { code, stdout } = run([]);
    assert.equal(code, 2);
    assert.match(stdout, /Commands:/);
  });
});
