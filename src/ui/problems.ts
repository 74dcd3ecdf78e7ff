import * as vscode from 'vscode';

/**
 * Reports problems (broken settings, torn store lines, unreadable logs) without a popup storm:
 * every problem goes to the output channel, and a given message raises at most one notification
 * per session.
 */
export class ProblemReporter implements vscode.Disposable {
  private readonly notified = new Set<string>();

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** Logs the problem; the first time this exact message appears, also shows a warning. */
  report(message: string, options: { notify?: boolean; openSettings?: boolean } = {}): void {
    this.output.warn(message);
    if (options.notify === false || this.notified.has(message)) return;
    this.notified.add(message);
    const openSettings = vscode.l10n.t('Open Settings');
    const showLog = vscode.l10n.t('Show Log');
    const actions = options.openSettings ? [openSettings, showLog] : [showLog];
    // The problem itself is worded in English by the pure modules that find it.
    void vscode.window.showWarningMessage(vscode.l10n.t('Token Meter: {0}', message), ...actions).then((choice) => {
      if (choice === openSettings) void vscode.commands.executeCommand('tokenMeter.openSettings');
      if (choice === showLog) this.output.show(true);
    });
  }

  dispose(): void {
    this.notified.clear();
  }
}
