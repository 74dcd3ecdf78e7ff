import * as assert from 'node:assert/strict';
import { BUILT_CLI } from '../support/cli';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BACKUP_SUFFIX,
  claudeConfigDir,
  claudeSettingsFile,
  connect,
  disconnect,
  LINK_FILE,
  previewConnect,
  repointIfConnected,
} from '../../src/capture/claudeStatusLineLink';
import { statusLineCommand } from '../../src/core/limits/claudeSettings';
import { LimitStore } from '../../src/store/limitStore';
import { CLAUDE_STATUS_JSON } from '../support/claudeStatus';

/** Runs a status-line command the way Claude Code does: through the shell, its JSON on stdin. */
function runAsClaudeCode(command: string, input: unknown): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, { shell: true, input: JSON.stringify(input), encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('Claude Code status line: connect, run as Claude Code does, disconnect (temp Claude settings, built dist/cli.js)', function () {
  this.timeout(30_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-claude-sl-'));
  const configDir = path.join(root, 'claude config');
  const dataDir = path.join(root, "token meter's data");
  const settingsFile = claudeSettingsFile(configDir);
  const userScript = path.join(root, 'my-line.sh');
  const userCommand = `sh '${userScript}'`;
  const original = {
    model: 'opus',
    permissions: { allow: ['Bash(npm test)'] },
    statusLine: { type: 'command', command: userCommand, padding: 0 },
  };
  const ours = statusLineCommand({ executable: process.execPath, cli: BUILT_CLI, dataDir });

  before(() => {
    fs.mkdirSync(configDir, { recursive: true });
    // The user's own status line reads the same stdin: it prints the session id it was given.
    fs.writeFileSync(userScript, 'read -r json; echo "mine:$(echo "$json" | sed -E \'s/.*"session_id":"([^"]+)".*/\\1/\')"\n');
    fs.writeFileSync(settingsFile, `${JSON.stringify(original, null, 2)}\n`, { mode: 0o644 });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds Claude Code settings in $CLAUDE_CONFIG_DIR, else ~/.claude', () => {
    assert.equal(claudeConfigDir({ CLAUDE_CONFIG_DIR: configDir }, '/home/x'), configDir);
    assert.equal(claudeConfigDir({}, '/home/x'), path.join('/home/x', '.claude'));
  });

  it('shows the change first without writing anything', () => {
    const before = fs.readFileSync(settingsFile, 'utf8');
    const plan = previewConnect(configDir, ours);
    assert.equal(plan.previous?.command, userCommand);
    assert.match(plan.changes.join('\n'), /keeps running/);
    assert.equal(fs.readFileSync(settingsFile, 'utf8'), before);
    assert.equal(fs.existsSync(`${settingsFile}${BACKUP_SUFFIX}`), false);
  });

  it('connect: backup kept, statusLine set, the rest of the settings and the file mode unchanged', () => {
    const before = fs.readFileSync(settingsFile, 'utf8');
    connect(configDir, dataDir, ours);
    assert.equal(fs.readFileSync(`${settingsFile}${BACKUP_SUFFIX}`, 'utf8'), before);
    const after = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    assert.deepEqual(after, { ...original, statusLine: { type: 'command', command: ours, padding: 0 } });
    assert.equal(fs.statSync(settingsFile).mode & 0o777, 0o644);
    assert.equal(fs.statSync(path.join(dataDir, LINK_FILE)).mode & 0o777, 0o600);
  });

  it("run as Claude Code does: the user's line and ours are printed, the readings recorded", () => {
    const command = JSON.parse(fs.readFileSync(settingsFile, 'utf8')).statusLine.command as string;
    const now = Date.now();
    const input = {
      ...CLAUDE_STATUS_JSON,
      rate_limits: {
        five_hour: { used_percentage: 42, resets_at: Math.floor(now / 1000) + 3600 },
        seven_day: { used_percentage: 18, resets_at: Math.floor(now / 1000) + 3 * 86400 },
      },
    };
    const { code, stdout, stderr } = runAsClaudeCode(command, input);
    assert.equal(code, 0, stderr);
    // A reset later today shows its time; one an hour from now may already be tomorrow (from 23:00), which names the day.
    const resetsToday = new Date(now).toDateString() === new Date(now + 3600_000).toDateString();
    const fiveHourReset = resetsToday ? String.raw`\d\d:\d\d` : String.raw`\w{3} \d\d:\d\d`;
    assert.match(
      stdout,
      new RegExp(String.raw`^mine:abc123 │ Opus · myapp · ctx 42% · \$1\.37 · 5h 42% ↻${fiveHourReset} · 7d 18% ↻\w{3} \d\d:\d\d\n$`),
    );
    const latest = new LimitStore(dataDir).latest();
    assert.deepEqual(latest.map((r) => [r.window, r.usedRatio, r.source]).sort(), [
      ['5h', 0.42, 'claude-code'],
      ['7d', 0.18, 'claude-code'],
    ]);
  });

  it('without rate_limits or with input that is not JSON it still prints a line and exits 0', () => {
    const command = JSON.parse(fs.readFileSync(settingsFile, 'utf8')).statusLine.command as string;
    const { rate_limits: _none, ...withoutLimits } = CLAUDE_STATUS_JSON;
    assert.match(runAsClaudeCode(command, withoutLimits).stdout, /│ Opus · myapp · ctx 42% · \$1\.37\n$/);
    const garbage = spawnSync(process.execPath, [BUILT_CLI, 'statusline', '--data-dir', dataDir, '--no-chain'], {
      input: 'not json',
      encoding: 'utf8',
    });
    assert.equal(garbage.status, 0);
    assert.match(garbage.stderr, /not the JSON Claude Code sends/);
    assert.equal(spawnSync(process.execPath, [BUILT_CLI, 'statusline', '--bogus'], { encoding: 'utf8' }).status, 2);
    assert.match(spawnSync(process.execPath, [BUILT_CLI, '--help'], { encoding: 'utf8' }).stdout, /statusline\s+Claude Code's status line/);
    assert.match(
      spawnSync(process.execPath, [BUILT_CLI, 'statusline', '--help'], { encoding: 'utf8' }).stdout,
      /Usage: token-meter statusline/,
    );
  });

  it('after an update (the extension in a new folder) the connected command follows it; a foreign one is never touched', () => {
    const updated = statusLineCommand({ executable: process.execPath, cli: BUILT_CLI.replace('dist', 'dist/../dist'), dataDir });
    assert.equal(repointIfConnected(configDir, dataDir, updated), true);
    assert.equal(JSON.parse(fs.readFileSync(settingsFile, 'utf8')).statusLine.command, updated);
    assert.equal(repointIfConnected(configDir, dataDir, updated), false, 'already current');
    assert.equal(
      repointIfConnected(configDir, path.join(root, 'never-connected'), ours),
      false,
      'not connected from this data folder: settings not even read',
    );
    assert.equal(repointIfConnected(configDir, dataDir, ours), true);
  });

  it('disconnect: the previous status line restored, the link forgotten', () => {
    disconnect(configDir, dataDir);
    assert.deepEqual(JSON.parse(fs.readFileSync(settingsFile, 'utf8')), original);
    assert.equal(fs.existsSync(path.join(dataDir, LINK_FILE)), false);
    assert.equal(disconnect(configDir, dataDir).unchanged, true, 'disconnecting twice changes nothing');
  });
});
