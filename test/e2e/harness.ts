import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ARTIFACTS_DIR, locateE2eTools, type E2eTools } from './paths';
import { freePort } from '../support/net';

const execFileAsync = promisify(execFile);

/** The extension under test, as `<publisher>.<name>` from package.json. */
export const TOKEN_METER_ID = 'tokenmeter.token-meter';

/**
 * Settings that keep a fresh workbench from opening welcome pages, trust prompts, chat panels or
 * update checks, any of which would cover the parts of the window a scenario looks at.
 */
const QUIET_USER_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
  'editor.minimap.enabled': false,
  // The machine's own assistant logs (~/.claude, ~/.codex) would change a scenario's numbers;
  // scenarios about log capture turn it on with their own folders.
  'tokenMeter.logCapture.enabled': false,
};

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Tall enough that a summary document of a few dozen lines is rendered without scrolling. */
const VIEWPORT = { width: 1600, height: 1200 };
/** The lower right of the window: the right-hand status-bar items and the tooltip above them. */
const STATUS_BAR_CORNER = { x: VIEWPORT.width - 760, y: VIEWPORT.height - 560, width: 760, height: 560 };

const SERVER_START_TIMEOUT_MS = 60_000;
const WORKBENCH_TIMEOUT_MS = 60_000;
const DEFAULT_WAIT_MS = 30_000;
const POLL_MS = 200;

export interface SessionOptions {
  /** Short name, used as the prefix of every artifact (screenshots, logs) of this session. */
  name: string;
  /** Merged over the quiet defaults into `<user-data-dir>/User/settings.json`. */
  userSettings?: Record<string, unknown>;
  /** Written to the workspace's `.vscode/settings.json` when given. */
  workspaceSettings?: Record<string, unknown>;
  /** Files (relative path → content) placed in the extension's global storage before start. */
  globalStorageFiles?: Record<string, string>;
  /** Extension whose global storage `globalStorageFiles` goes to; the extension under test by default. */
  extensionId?: string;
  /**
   * A GitHub session the workbench starts with, handed over the way VS Code for the Web's embedder
   * API does it (the `vscode-workbench-auth-session` element, read into the built-in GitHub sign-in's
   * secret storage). code-server adds that element only in development builds, so the test does.
   */
  githubSession?: { accessToken: string; scopes: string[][] };
}

export type TextExpectation = string | RegExp | ((text: string) => boolean);

/** An expectation met only by exactly this text (and printed as such when it is not). */
export function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function matches(text: string, expected: TextExpectation): boolean {
  if (typeof expected === 'string') return text.includes(expected);
  if (expected instanceof RegExp) return expected.test(text);
  return expected(text);
}

function describeExpectation(expected: TextExpectation): string {
  if (typeof expected === 'string') return JSON.stringify(expected);
  return expected instanceof RegExp ? String(expected) : 'the given predicate';
}

/** Monaco and the status bar render spaces as no-break spaces; tests compare plain text. */
function plainText(text: string): string {
  return text.replace(/\u00a0/g, ' ').trim();
}

/** Polls `probe` until it returns a value, or throws with `describe()` of what was last seen. */
export async function pollFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', () => resolve(undefined));
    request.setTimeout(2_000, () => request.destroy());
  });
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The first file called `name` below `dir`, depth first. */
export function findFile(dir: string, name: string): string | undefined {
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return full;
    if (entry.isDirectory()) {
      const found = findFile(full, name);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * One real VS Code (code-server) with the packaged extension installed into fresh directories,
 * driven by Chromium through playwright-core.
 */
export class VsCodeSession {
  private consoleLines: string[] = [];

  private constructor(
    readonly name: string,
    readonly page: Page,
    readonly workspaceDir: string,
    readonly userDataDir: string,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    /** Temp directory holding the user data, extensions and workspace dirs; removed by stop(). */
    readonly rootDir: string,
    private readonly serverLog: string,
  ) {
    page.on('console', (message) => this.consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => this.consoleLines.push(`[pageerror] ${error.message}`));
  }

  /** What Token Meter has written to its output channel so far (empty before the channel exists). */
  tokenMeterLog(): string {
    const file = findFile(path.join(this.userDataDir, 'logs'), 'Token Meter.log');
    return file ? fs.readFileSync(file, 'utf8') : '';
  }

  /** Where code-server keeps `context.globalStorageUri` for an extension. */
  static globalStorageDir(userDataDir: string, extensionId: string): string {
    return path.join(userDataDir, 'User', 'globalStorage', extensionId.toLowerCase());
  }

  static async start(options: SessionOptions): Promise<VsCodeSession> {
    const tools = locateE2eTools();
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), `tm-e2e-${options.name}-`));
    const userDataDir = path.join(rootDir, 'data');
    const extensionsDir = path.join(rootDir, 'extensions');
    const workspaceDir = path.join(rootDir, 'workspace');
    fs.mkdirSync(workspaceDir, { recursive: true });
    writeJson(path.join(userDataDir, 'User', 'settings.json'), { ...QUIET_USER_SETTINGS, ...options.userSettings });
    if (options.workspaceSettings) writeJson(path.join(workspaceDir, '.vscode', 'settings.json'), options.workspaceSettings);

    const serverLog = path.join(ARTIFACTS_DIR, `${options.name}-code-server.log`);
    try {
      await installExtension(tools, rootDir, userDataDir, extensionsDir, serverLog);
      const storage = VsCodeSession.globalStorageDir(userDataDir, options.extensionId ?? TOKEN_METER_ID);
      for (const [relative, content] of Object.entries(options.globalStorageFiles ?? {})) {
        fs.mkdirSync(path.dirname(path.join(storage, relative)), { recursive: true });
        fs.writeFileSync(path.join(storage, relative), content);
      }
    } catch (error) {
      fs.rmSync(rootDir, { recursive: true, force: true });
      throw error;
    }

    const port = await freePort();
    const server = startServer(tools, { port, userDataDir, extensionsDir, workspaceDir, rootDir, serverLog });
    let browser: Browser | undefined;
    try {
      await waitForServer(server, port, serverLog);
      browser = await chromium.launch({ executablePath: tools.chromium, args: CHROMIUM_ARGS });
      const page = await browser.newPage({ viewport: VIEWPORT });
      const session = new VsCodeSession(options.name, page, workspaceDir, userDataDir, browser, server, rootDir, serverLog);
      if (options.githubSession) await handOverGithubSession(page, options.githubSession);
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspaceDir)}`);
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: WORKBENCH_TIMEOUT_MS });
      return session;
    } catch (error) {
      await browser?.close().catch(() => undefined);
      await killProcessGroup(server);
      fs.rmSync(rootDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** code-server's PID, which is also its process group id. */
  get serverPid(): number | undefined {
    return this.server.pid;
  }

  /** A status-bar item by its DOM id (`<extension id>.<item id>`). */
  statusBarItem(id: string): Locator {
    return this.page.locator(`.statusbar [id="${id}"]`);
  }

  /**
   * Text of a status-bar item, found by DOM id or by a predicate over item texts. Icons such as
   * `$(pulse)` render as glyphs and are not part of the text. Waits for the item to appear.
   */
  async statusBarItemText(idOrPredicate: string | ((text: string) => boolean), timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    if (typeof idOrPredicate === 'string') {
      const item = this.statusBarItem(idOrPredicate);
      await item.waitFor({ state: 'visible', timeout: timeoutMs });
      return plainText(await item.innerText());
    }
    let seen: string[] = [];
    return pollFor(
      async () => {
        seen = (await this.page.locator('.statusbar .statusbar-item').allInnerTexts()).map(plainText);
        return seen.find(idOrPredicate);
      },
      timeoutMs,
      () => `no status-bar item matched; items were ${JSON.stringify(seen)}`,
    );
  }

  /** Waits until the item's text meets `expected` (the extension updates it asynchronously). */
  async waitForStatusBarText(id: string, expected: TextExpectation, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    let last = '(item not shown)';
    return pollFor(
      async () => {
        const item = this.statusBarItem(id);
        if ((await item.count()) === 0) return undefined;
        last = plainText(await item.innerText());
        return matches(last, expected) ? last : undefined;
      },
      timeoutMs,
      () => `status-bar item ${id} never matched ${describeExpectation(expected)}; last text ${JSON.stringify(last)}`,
    );
  }

  /** Hovers a status-bar item and returns the text of the tooltip it shows. */
  async hoverStatusBarTooltip(id: string, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    const item = this.statusBarItem(id);
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    const hover = this.page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
    return pollFor(
      async () => {
        await item.hover();
        if ((await hover.count()) === 0) return undefined;
        const text = plainText(await hover.innerText());
        return text === '' ? undefined : text;
      },
      timeoutMs,
      () => `no tooltip appeared when hovering status-bar item ${id}`,
    );
  }

  /** Moves the mouse away and closes any open hover, so the next screenshot shows the window. */
  async dismissHover(): Promise<void> {
    await this.page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2);
    await this.page.keyboard.press('Escape');
  }

  /** Runs a command by its full title ("Category: Title") through the F1 command palette. */
  async runCommand(title: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    await this.page.locator('.monaco-workbench').focus();
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.fill(`>${title}`);
    const rows = this.page.locator('.quick-input-widget .monaco-list-row');
    const row = await pollFor(
      async () => {
        for (const candidate of await rows.all()) {
          const label = plainText(
            await candidate
              .locator('.label-name')
              .first()
              .innerText()
              .catch(() => ''),
          );
          if (label === title) return candidate;
        }
        return undefined;
      },
      timeoutMs,
      () => `the command palette has no command titled ${JSON.stringify(title)}`,
    );
    await row.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** Titles of the open editor tabs, left to right. */
  async tabTitles(): Promise<string[]> {
    return (await this.page.locator('.tabs-container .tab .label-name').allInnerTexts()).map(plainText);
  }

  /** Waits for an editor tab whose title meets `expected`, and returns that title. */
  async waitForTab(expected: TextExpectation, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    let titles: string[] = [];
    return pollFor(
      async () => {
        titles = await this.tabTitles();
        return titles.find((t) => matches(t, expected));
      },
      timeoutMs,
      () => `no editor tab matched ${describeExpectation(expected)}; tabs were ${JSON.stringify(titles)}`,
    );
  }

  /**
   * The text shown by the active text editor, line by line. Monaco renders only visible lines,
   * so this is the whole document only when it fits the (tall) viewport.
   */
  async activeEditorText(): Promise<string> {
    const lines = this.page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
    const rendered = await lines.evaluateAll((elements) =>
      elements.map((e) => ({
        top: parseFloat(/top:\s*([\d.]+)px/.exec(e.getAttribute('style') ?? '')?.[1] ?? '0'),
        text: e.textContent ?? '',
      })),
    );
    return rendered
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text.replace(/\u00a0/g, ' '))
      .join('\n');
  }

  /** Waits until the active editor's text meets `expected`, and returns it. */
  async waitForEditorText(expected: TextExpectation, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
    let last = '';
    return pollFor(
      async () => {
        last = await this.activeEditorText();
        return last !== '' && matches(last, expected) ? last : undefined;
      },
      timeoutMs,
      () => `the active editor never matched ${describeExpectation(expected)}; it showed:\n${last}`,
    );
  }

  /** Saves a full-window PNG as `.artifacts/e2e/<session>-<name>.png` and returns its path. */
  async screenshot(name: string, area: 'window' | 'status-bar-corner' = 'window'): Promise<string> {
    const file = path.join(ARTIFACTS_DIR, `${this.name}-${name}.png`);
    await this.page.screenshot({ path: file, ...(area === 'status-bar-corner' ? { clip: STATUS_BAR_CORNER } : {}) });
    return file;
  }

  /**
   * Closes the browser, stops code-server (its whole process group), keeps the browser console and
   * VS Code's own logs (extension host, output channels) in the artifacts, and deletes the temp dirs.
   */
  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await killProcessGroup(this.server);
    fs.writeFileSync(path.join(ARTIFACTS_DIR, `${this.name}-browser-console.log`), this.consoleLines.join('\n') + '\n');
    const vscodeLogs = path.join(this.userDataDir, 'logs');
    if (fs.existsSync(vscodeLogs)) {
      const kept = path.join(ARTIFACTS_DIR, `${this.name}-vscode-logs`);
      fs.rmSync(kept, { recursive: true, force: true });
      fs.cpSync(vscodeLogs, kept, { recursive: true });
    }
    fs.rmSync(this.rootDir, { recursive: true, force: true });
  }

  /** The last lines of code-server's log, for failure messages. */
  serverLogTail(lines = 40): string {
    return tail(this.serverLog, lines);
  }
}

/** Installs the .vsix before any server runs on these directories, so no reload is needed. */
async function installExtension(
  tools: E2eTools,
  rootDir: string,
  userDataDir: string,
  extensionsDir: string,
  logFile: string,
): Promise<void> {
  const args = [
    tools.codeServerEntry,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--install-extension',
    tools.vsix,
  ];
  try {
    const { stdout, stderr } = await execFileAsync(tools.node, args, { timeout: 120_000, env: isolatedEnv(rootDir) });
    fs.writeFileSync(logFile, `$ install ${tools.vsix}\n${stdout}${stderr}\n`);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`Installing ${tools.vsix} into code-server failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const installed = fs.readdirSync(extensionsDir).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
  if (installed.length === 0)
    throw new Error(`code-server reported success but installed nothing from ${tools.vsix} into ${extensionsDir}`);
}

async function handOverGithubSession(page: Page, session: NonNullable<SessionOptions['githubSession']>): Promise<void> {
  const authSession = JSON.stringify({ id: 'e2e-github-session', providerId: 'github', ...session });
  // Runs in the page before the workbench's module script, which reads the element as it starts.
  // The web secret storage also seals secrets with a key part from the server's /mint-key, which VS
  // Code's own server serves and code-server does not; without it the GitHub sign-in cannot start.
  await page.addInitScript(`
    document.addEventListener('readystatechange', () => {
      if (document.readyState !== 'interactive') return;
      document.getElementById('vscode-workbench-auth-session').setAttribute('data-settings', ${JSON.stringify(authSession)});
    });
    const serverKeyPart = crypto.getRandomValues(new Uint8Array(32));
    const originalFetch = window.fetch.bind(window);
    window.fetch = (input, init) =>
      new URL(input instanceof Request ? input.url : String(input), location.href).pathname === '/mint-key'
        ? Promise.resolve(new Response(serverKeyPart.slice()))
        : originalFetch(input, init);
  `);
}

/** code-server writes a config.yaml (with a password) under the XDG dirs; keep it out of the real home. */
function isolatedEnv(rootDir: string): NodeJS.ProcessEnv {
  return { ...process.env, XDG_CONFIG_HOME: path.join(rootDir, 'xdg-config'), XDG_DATA_HOME: path.join(rootDir, 'xdg-data') };
}

interface ServerDirs {
  port: number;
  userDataDir: string;
  extensionsDir: string;
  workspaceDir: string;
  rootDir: string;
  serverLog: string;
}

function startServer(tools: E2eTools, dirs: ServerDirs): ChildProcess {
  const log = fs.openSync(dirs.serverLog, 'a');
  const args = [
    tools.codeServerEntry,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${dirs.port}`,
    '--user-data-dir',
    dirs.userDataDir,
    '--extensions-dir',
    dirs.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    dirs.workspaceDir,
  ];
  // A process group of its own, so stop() can end code-server together with its extension host.
  const child = spawn(tools.node, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: isolatedEnv(dirs.rootDir),
  });
  fs.closeSync(log);
  return child;
}

async function waitForServer(server: ChildProcess, port: number, serverLog: string): Promise<void> {
  await pollFor(
    async () => {
      if (server.exitCode !== null || server.signalCode !== null) {
        throw new Error(`code-server exited (${server.exitCode ?? server.signalCode}) before serving; log:\n${tail(serverLog)}`);
      }
      return (await httpStatus(`http://127.0.0.1:${port}/healthz`)) === 200 ? true : undefined;
    },
    SERVER_START_TIMEOUT_MS,
    () => `code-server did not answer on 127.0.0.1:${port}; log:\n${tail(serverLog)}`,
  );
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends code-server and everything it started (extension host, file watcher, pty host): SIGTERM to
 * the group, then SIGKILL for whatever is still there after a grace period.
 */
async function killProcessGroup(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined || !groupAlive(pgid)) return;
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, name);
    } catch {
      // The group ended between the check and the signal.
    }
  };
  signal('SIGTERM');
  const gone = async (timeoutMs: number): Promise<boolean> =>
    pollFor(
      async () => (groupAlive(pgid) ? undefined : true),
      timeoutMs,
      () => '',
    ).catch(() => false);
  if (await gone(5_000)) return;
  signal('SIGKILL');
  if (!(await gone(5_000))) throw new Error(`code-server's process group ${pgid} survived SIGKILL`);
}
