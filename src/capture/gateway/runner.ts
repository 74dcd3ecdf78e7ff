import type { GatewaySettings } from '../../core/settings';
import { GatewayHost, type GatewayHostOptions } from './host';

/**
 * Keeps one gateway host matching the latest settings. Changes are applied one after another, so
 * two changes in quick succession never leave an earlier host running with old settings: each
 * waits for the previous start or stop to finish before it acts. It is told only of changes to
 * the gateway's own settings (see extension.ts), so each call restarts or stops the host.
 */
export class GatewayRunner {
  private host: GatewayHost | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    /** The host's options for these settings (everything but where and how it is started). */
    private readonly hostOptions: (settings: GatewaySettings) => GatewayHostOptions,
    /** Told of the host in use after each change (undefined: none). */
    private readonly onHost: (host: GatewayHost | undefined) => void,
  ) {}

  get current(): GatewayHost | undefined {
    return this.host;
  }

  /** Starts, restarts or stops the host; rejects when starting fails (the next change may retry). */
  apply(settings: GatewaySettings): Promise<void> {
    const run = this.queue.then(() => this.applyNow(settings));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(settings: GatewaySettings): Promise<void> {
    await this.stopNow();
    if (!settings.enabled) return;
    this.host = await GatewayHost.start(this.hostOptions(settings));
    this.onHost(this.host);
  }

  private async stopNow(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    this.onHost(undefined);
    await host?.dispose();
  }

  /** Stops the host once every pending change is done. */
  dispose(): Promise<void> {
    const run = this.queue.then(() => this.stopNow());
    this.queue = run.catch(() => undefined);
    return run;
  }
}
