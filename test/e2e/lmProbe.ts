import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pollFor, type VsCodeSession } from './harness';
import { locateE2eTools, REPO_ROOT } from './paths';

/**
 * The test-only probe extension (test/e2e/lm-probe-extension) that finds Token Meter's chat models
 * through vscode.lm and sends one request, and the steps that drive it from a scenario.
 */

const execFileAsync = promisify(execFile);
const PROBE_DIR = path.join(REPO_ROOT, 'test', 'e2e', 'lm-probe-extension');
export const PROBE_COMMAND = 'LM Probe: Send Request to Token Meter Model';
/** The probe's default user message (tokenMeterLmProbe.prompt). */
export const PROBE_PROMPT = 'Say hello.';

export interface ProbeResult {
  models: Array<{ id: string; name: string; vendor: string; family: string; maxInputTokens: number }>;
  /** What the model's countTokens (the provider's provideTokenCount) said about the prompt. */
  promptTokens: number;
  text: string;
  toolCalls: Array<{ callId: string; name: string; input: object }>;
  error?: { message: string; code?: string };
}

/** Packages the test-only probe extension (never shipped: .vscodeignore excludes test/). */
export async function packageProbe(outDir: string): Promise<string> {
  const vsix = path.join(outDir, 'lm-probe.vsix');
  const vsce = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
  await execFileAsync(vsce, ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', vsix], {
    cwd: PROBE_DIR,
    timeout: 120_000,
  });
  return vsix;
}

/**
 * Installs an extension into a running session's directories with code-server's CLI (the harness
 * installs only Token Meter); the workbench is reloaded so the extension host starts it.
 */
export async function installIntoSession(session: VsCodeSession, vsix: string): Promise<void> {
  const tools = locateE2eTools();
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(session.rootDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(session.rootDir, 'xdg-data'),
  };
  await execFileAsync(
    tools.node,
    [
      tools.codeServerEntry,
      '--user-data-dir',
      session.userDataDir,
      '--extensions-dir',
      path.join(session.rootDir, 'extensions'),
      '--install-extension',
      vsix,
    ],
    { env, timeout: 120_000 },
  );
}

/**
 * Runs the probe's command and returns what it wrote to `resultFile`, answering a dialog on the way
 * with `dialogButton` (the first use of another extension's models asks for consent: "Allow"), and
 * the text of the last dialog seen.
 */
export async function runProbeCommand(
  session: VsCodeSession,
  resultFile: string,
  dialogButton = 'Allow',
): Promise<ProbeResult & { dialog: string }> {
  fs.rmSync(resultFile, { force: true });
  await session.runCommand(PROBE_COMMAND, 60_000);
  const dialog = session.page.locator('.monaco-dialog-box');
  const button = dialog.locator('.monaco-button', { hasText: new RegExp(`^${dialogButton}$`) });
  let dialogText = '';
  return pollFor(
    async () => {
      if (await button.isVisible().catch(() => false)) {
        dialogText = await dialog.innerText();
        await button.click();
      }
      return fs.existsSync(resultFile)
        ? { ...(JSON.parse(fs.readFileSync(resultFile, 'utf8')) as ProbeResult), dialog: dialogText }
        : undefined;
    },
    60_000,
    () => 'the probe extension never wrote its result',
  );
}

/** Runs a command from F1 whose first step is a quick input of its own (runCommand waits for the palette to close). */
export async function openQuickInputCommand(session: VsCodeSession, title: string): Promise<void> {
  const page = session.page;
  await page.locator('.monaco-workbench').focus();
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}
