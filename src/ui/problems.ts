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
    const actions = options.openSettings ? ['Open Settings', 'Show Log'] : ['Show Log'];
    void vscode.window.showWarningMessage(`Token Meter: ${message}`, ...actions).then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('tokenMeter.openSettings');
      if (choice === 'Show Log') this.output.show(true);
    });
  }

  dispose(): void {
    this.notified.clear();
  }
}
