import * as assert from 'node:assert/strict';
import { BUILT_CLI, gatewayArgs } from '../support/cli';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { DATA_FILES } from '../../src/store/paths';
import { isDataDirEntry } from '../../src/store/privateFiles';
import { SyncService } from '../../src/sync/syncService';
import { FindingsLog } from '../../src/ui/hygiene/findingsLog';
import { claudeAssistantLine, claudeUserLine, writeLines } from '../support/assistantLogs';
import { usageEvent } from '../support/events';
import { FakeUpstream } from '../support/fakeUpstream';
import { freePort } from '../support/net';

const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

/** Every folder and file under `dir`, with its mode in octal, for readable failures. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (p: string) => {
    const stat = fs.lstatSync(p);
    out[path.relative(dir, p) || '.'] = (stat.mode & 0o777).toString(8);
    if (stat.isDirectory()) for (const child of fs.readdirSync(p)) visit(path.join(p, child));
  };
  visit(dir);
  return out;
}

function assertPrivate(dir: string): void {
  const all = modes(dir);
  const wrong = Object.entries(all).filter(([p, mode]) => mode !== (fs.statSync(path.join(dir, p)).isDirectory() ? '700' : '600'));
  assert.deepEqual(wrong, [], `expected files 600 and folders 700 in ${dir}: ${JSON.stringify(all)}`);
}

/** Runs a command line under `umask 000`, so any file created with the default mode shows up as 666. */
function underOpenUmask(args: string[]) {
  return spawnSync('bash', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, BUILT_CLI, ...args], { encoding: 'utf8' });
}

describe('file permissions of Token Meter data (real BUILT_CLI, real files)', function () {
  this.timeout(30_000);

  it('makes files left 0644 in 0755 folders private on start (0600 files, 0700 folders)', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-perm-'));
    fs.chmodSync(dataDir, 0o755);
    for (const folder of [DATA_FILES.events, DATA_FILES.hygieneFindings]) {
      fs.mkdirSync(path.join(dataDir, folder), { mode: 0o755 });
      fs.chmodSync(path.join(dataDir, folder), 0o755);
    }
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dataDir, name), text);
      fs.chmodSync(path.join(dataDir, name), 0o644);
    };
    write('events/2026-01-01_host_1_abc.jsonl', `${JSON.stringify(usageEvent({ ts: Date.now() - 1000 }))}\n`);
    write(DATA_FILES.rollups, '{}');
    write(DATA_FILES.gateway, JSON.stringify({ port: 4870, secret: 'b'.repeat(32) }));
    write(DATA_FILES.logsState, '{"version":1,"files":{}}');
    write(DATA_FILES.logsJournal, '');
    write(DATA_FILES.syncState, '{}');
    write(`${DATA_FILES.hygieneFindings}/2026-01-01.jsonl`, '');
    write(DATA_FILES.hygieneFindingsLegacy, '');
    write(DATA_FILES.budgetOverride, '{"until":0}');

    const r = spawnSync(process.execPath, [BUILT_CLI, 'report', '--no-logs', '--json', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assertPrivate(dataDir);
  });

  it('leaves a folder that holds other things, and those things, as they are', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-perm-shared-'));
    fs.chmodSync(dataDir, 0o755);
    fs.mkdirSync(path.join(dataDir, 'events'));
    fs.writeFileSync(path.join(dataDir, 'notes.txt'), 'mine');
    fs.chmodSync(path.join(dataDir, 'notes.txt'), 0o644);
    fs.writeFileSync(path.join(dataDir, DATA_FILES.rollups), '{}');
    fs.chmodSync(path.join(dataDir, DATA_FILES.rollups), 0o644);

    const r = spawnSync(process.execPath, [BUILT_CLI, 'report', '--no-logs', '--json', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(modeOf(dataDir), 0o755);
    assert.equal(modeOf(path.join(dataDir, 'notes.txt')), 0o644);
    assert.equal(modeOf(path.join(dataDir, DATA_FILES.rollups)), 0o600);
    assert.equal(modeOf(path.join(dataDir, 'events')), 0o700);
  });

  it('creates every file 0600 in 0700 folders, even under umask 000 (gateway, log import, report, sync, findings)', async () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tm-perm-new-')), 'new', 'store');
    const claudeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-perm-claude-'));
    const t = Date.now() - 60_000;
    writeLines(path.join(claudeDir, 'projects', '-home-dev-shop', 's.jsonl'), [
      claudeUserLine(t),
      claudeAssistantLine({ messageId: 'msg_1', ts: t, usage: { input: 10, output: 2 } }),
    ]);

    // The headless gateway: gateway.json, a segment, rollups.json.
    const upstream = await new FakeUpstream().start();
    const port = await freePort();
    const gateway = spawn('bash', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, ...gatewayArgs(port, dataDir, upstream.url)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    gateway.stdout!.on('data', (c) => (stdout += String(c)));
    gateway.stderr!.on('data', (c) => (stderr += String(c)));
    const exited = new Promise((resolve) => gateway.on('exit', resolve));
    try {
      const started = Date.now();
      while (!stdout.includes('Press Ctrl+C')) {
        if (Date.now() - started > 10_000) throw new Error(`the gateway did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const { secret } = JSON.parse(fs.readFileSync(path.join(dataDir, DATA_FILES.gateway), 'utf8')) as { secret: string };
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${port}/${secret}/openai/v1`, maxRetries: 0 });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    } finally {
      gateway.kill('SIGTERM');
      await exited;
      await upstream.stop();
    }

    // The report, importing assistants' logs: logs-state.json, the journal, the lock, another segment.
    const r = underOpenUmask(['report', '--json', '--data-dir', dataDir, '--claude-dir', claudeDir]);
    assert.equal(r.status, 0, r.stderr);

    // The extension's team sync state and prompt-hygiene findings, written by this process.
    const umask = process.umask(0);
    try {
      const sync = new SyncService({
        dataDir,
        endpoint: 'http://127.0.0.1:9',
        token: 't',
        extensionVersion: '0',
        rows: () => [],
        recentDays: () => [],
        fetch: () => Promise.reject(new Error('offline')),
      });
      await sync.sync();
      new FindingsLog(dataDir).append({
        kind: 'contextLoop',
        ts: Date.now(),
        source: 'gateway',
        provider: 'openai',
        model: 'm',
        evidence: 'e',
        tokens: 1,
        costUsd: null,
        multiplier: 1,
        saving: { tokens: 1, usd: null, fix: 'trim-context' },
      });
    } finally {
      process.umask(umask);
    }

    const names = fs.readdirSync(dataDir);
    for (const expected of [
      DATA_FILES.events,
      DATA_FILES.gateway,
      DATA_FILES.rollups,
      DATA_FILES.logsState,
      DATA_FILES.logsJournal,
      DATA_FILES.syncState,
      DATA_FILES.hygieneFindings,
    ]) {
      assert.ok(names.includes(expected), `${expected} was not created (have ${names.join(', ')})`);
    }
    assert.deepEqual(
      names.filter((n) => !isDataDirEntry(n)),
      [],
      'every file in the data folder is one Token Meter knows (and so keeps private)',
    );
    assertPrivate(dataDir);
    assert.equal(modeOf(path.dirname(dataDir)), 0o700, 'a parent folder created for the store is private too');
  });
});
