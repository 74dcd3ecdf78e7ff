import * as path from 'node:path';

/** The built command line (`npm run build` makes it), run as a user runs it. */
export const BUILT_CLI = path.resolve(__dirname, '../../dist/cli.js');

/** `token-meter gateway` on this port and data folder, with both upstreams at a local fake. */
export function gatewayArgs(port: number, dataDir: string, upstreamUrl: string): string[] {
  return [
    BUILT_CLI,
    'gateway',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--openai-upstream',
    upstreamUrl,
    '--anthropic-upstream',
    upstreamUrl,
  ];
}
