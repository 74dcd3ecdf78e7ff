import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { DATA_FILES } from '../../store/paths';
import { PRIVATE_FILE_MODE, writeFileAtomicSync } from '../../store/privateFiles';
import { GatewayServer, HEALTH_PATH, type GatewayOptions } from './server';
import { DEFAULT_GATEWAY_PORT } from '../../core/settings';

/**
 * One gateway per machine. Every Token Meter process (each VS Code window, a headless
 * `token-meter gateway`) reads the same `gateway.json` in the shared data directory: the port and a
 * per-install secret that prefixes every path. The first process to bind the port owns the gateway;
 * the others are followers that watch it and take over when it goes away. Whoever owns it records
 * into the shared store, so every window's meter sees every request.
 *
 * Why a path secret rather than a header: base URLs are the one setting every client exposes
 * (OPENAI_BASE_URL, ANTHROPIC_BASE_URL), so a secret inside the URL works with any tool unchanged,
 * while a header would need per-client configuration. The file is readable by its owner only.
 */

const STATE_FILE = DATA_FILES.gateway;

export interface GatewayState {
  port: number;
  secret: string;
}

export function gatewayStatePath(dataDir: string): string {
  return path.join(dataDir, STATE_FILE);
}

/**
 * Reads the shared state, creating it (with a fresh secret) on first use; `port` overrides the saved
 * one. The file holds the secret, so it is made private (0600) even when it already existed.
 */
export function loadGatewayState(dataDir: string, port?: number): GatewayState {
  const file = gatewayStatePath(dataDir);
  let state: Partial<GatewayState> = {};
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<GatewayState>;
  } catch {
    // Missing or unreadable: a new secret is made below.
  }
  const next: GatewayState = {
    port: port ?? (typeof state.port === 'number' ? state.port : DEFAULT_GATEWAY_PORT),
    secret: typeof state.secret === 'string' && /^[a-f0-9]{32}$/.test(state.secret) ? state.secret : randomBytes(16).toString('hex'),
  };
  if (next.port !== state.port || next.secret !== state.secret) writeFileAtomicSync(file, JSON.stringify(next, null, 2));
  else if ((fs.statSync(file).mode & 0o777) !== PRIVATE_FILE_MODE) fs.chmodSync(file, PRIVATE_FILE_MODE);
  return next;
}

export interface GatewayUrls {
  openai: string;
  anthropic: string;
}

/** The base URLs clients use: OpenAI SDKs append /chat/completions, Anthropic SDKs /v1/messages. */
export function gatewayUrls(state: GatewayState): GatewayUrls {
  const root = `http://127.0.0.1:${state.port}/${state.secret}`;
  return { openai: `${root}/openai/v1`, anthropic: `${root}/anthropic` };
}

/** True when a Token Meter gateway with this secret answers on the port. */
export function probeGateway(state: GatewayState, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: state.port, path: `/${state.secret}/${HEALTH_PATH}`, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('token-meter-gateway')));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export type GatewayRole = 'owner' | 'follower';

export interface GatewayHostOptions extends Omit<GatewayOptions, 'secret'> {
  dataDir: string;
  port?: number;
  /** How often a follower checks whether the owner is still there. */
  checkEveryMs?: number;
  onRoleChange?: (role: GatewayRole) => void;
}

export class GatewayPortInUseError extends Error {}

export class GatewayHost {
  private server: GatewayServer | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private current: GatewayRole = 'follower';
  private disposed = false;

  private constructor(
    readonly state: GatewayState,
    private readonly options: GatewayHostOptions,
  ) {}

  static async start(options: GatewayHostOptions): Promise<GatewayHost> {
    const host = new GatewayHost(loadGatewayState(options.dataDir, options.port), options);
    if ((await host.claim()) === 'follower') host.watchOwner();
    return host;
  }

  get role(): GatewayRole {
    return this.current;
  }

  get urls(): GatewayUrls {
    return gatewayUrls(this.state);
  }

  /** Binds the port, or confirms another Token Meter owns it; anything else there is an error. */
  private async claim(): Promise<GatewayRole> {
    const server = new GatewayServer({ ...this.options, secret: this.state.secret });
    try {
      await server.listen(this.state.port);
      this.server = server;
      this.setRole('owner');
      return 'owner';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
    if (await probeGateway(this.state)) {
      this.setRole('follower');
      return 'follower';
    }
    throw new GatewayPortInUseError(
      `Port ${this.state.port} on 127.0.0.1 is used by another program, so the Token Meter gateway cannot start. Choose a free port in tokenMeter.gateway.port (or --port).`,
    );
  }

  private watchOwner(): void {
    this.timer = setInterval(() => {
      void (async () => {
        if (this.disposed || this.current === 'owner' || (await probeGateway(this.state))) return;
        try {
          if ((await this.claim()) === 'owner') clearInterval(this.timer);
        } catch {
          // Someone else grabbed the port in between: keep watching.
        }
      })();
    }, this.options.checkEveryMs ?? 3000);
    this.timer.unref?.();
  }

  private setRole(role: GatewayRole): void {
    this.current = role;
    this.options.onRoleChange?.(role);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.timer);
    await this.server?.close();
    this.server = undefined;
  }
}
