import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  BACKUP_SUFFIX,
  claudeConfigDir,
  claudeSettingsFile,
  connect,
  disconnect,
  previewConnect,
  previewDisconnect,
  repointIfConnected,
} from '../capture/claudeStatusLineLink';
import { statusLineCommand } from '../core/limits/claudeSettings';

/**
 * "Token Meter: Connect / Disconnect Claude Code Status Line". Connect shows the change to Claude
 * Code's user settings first, keeps a backup, and chains the status line the user had; Disconnect
 * puts that one back. On start, a connected status line follows the extension's current folder.
 */
export function registerClaudeStatusLineCommands(extensionPath: string, dataDir: string): vscode.Disposable[] {
  const configDir = () => claudeConfigDir();
  const command = () =>
    statusLineCommand({
      executable: process.execPath,
      cli: path.join(extensionPath, 'dist', 'cli.js'),
      dataDir,
      electron: process.versions.electron !== undefined,
    });

  async function runConnect(): Promise<void> {
    try {
      const file = claudeSettingsFile(configDir());
      const plan = previewConnect(configDir(), command());
      if (plan.unchanged) {
        void vscode.window.showInformationMessage(vscode.l10n.t("Token Meter: Claude Code's status line is already connected."));
        return;
      }
      const connectButton = vscode.l10n.t('Connect');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t("Connect Token Meter to Claude Code's status line?"),
        {
          modal: true,
          detail: vscode.l10n.t(
            'In {0}:\n{1}\n\nA backup is kept in {2}. Claude Code then shows your 5-hour and weekly limits, and Token Meter records them.',
            file,
            plan.changes.join('\n'),
            `${path.basename(file)}${BACKUP_SUFFIX}`,
          ),
        },
        connectButton,
      );
      if (choice !== connectButton) return;
      connect(configDir(), dataDir, command());
      void vscode.window.showInformationMessage(
        vscode.l10n.t("Token Meter: Claude Code's status line is connected; it shows from Claude Code's next response."),
      );
    } catch (error) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t("Token Meter: could not connect Claude Code's status line: {0}", (error as Error).message),
      );
    }
  }

  async function runDisconnect(): Promise<void> {
    try {
      const plan = previewDisconnect(configDir(), dataDir);
      if (plan.unchanged) {
        void vscode.window.showInformationMessage(vscode.l10n.t("Token Meter: Claude Code's status line is not connected to Token Meter."));
        return;
      }
      const disconnectButton = vscode.l10n.t('Disconnect');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t("Disconnect Token Meter from Claude Code's status line?"),
        { modal: true, detail: vscode.l10n.t('In {0}:\n{1}', claudeSettingsFile(configDir()), plan.changes.join('\n')) },
        disconnectButton,
      );
      if (choice !== disconnectButton) return;
      disconnect(configDir(), dataDir);
      void vscode.window.showInformationMessage(vscode.l10n.t("Token Meter: Claude Code's status line is disconnected."));
    } catch (error) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t("Token Meter: could not disconnect Claude Code's status line: {0}", (error as Error).message),
      );
    }
  }

  try {
    repointIfConnected(configDir(), dataDir, command());
  } catch {
    // Claude Code's settings unreadable now: the status line is repointed at the next start.
  }

  return [
    vscode.commands.registerCommand('tokenMeter.connectClaudeStatusLine', runConnect),
    vscode.commands.registerCommand('tokenMeter.disconnectClaudeStatusLine', runDisconnect),
  ];
}
