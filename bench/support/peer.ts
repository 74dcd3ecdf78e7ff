import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The peer the log benchmark runs against: ccusage 20's launcher and its native binary for this
 * platform. They are installed on first use into `.bench-peers/` (git-ignored), not as
 * devDependencies: ccusage lists a native package per platform as optional dependencies, and the
 * registry here has only linux-x64's, so a lock file that names it cannot be installed with
 * `npm ci` (the other platforms' entries are missing), and tests never need it.
 */
export const CCUSAGE_VERSION = '20.0.24';

export interface CcusagePeer {
  launcher: string;
  native: string;
}

export function ccusagePeer(repo: string): CcusagePeer {
  const prefix = path.join(repo, '.bench-peers');
  const platformPackage = `@ccusage/ccusage-${process.platform}-${process.arch}`;
  const modules = path.join(prefix, 'node_modules');
  const peer = {
    launcher: path.join(modules, 'ccusage', 'src', 'cli.js'),
    native: path.join(modules, ...platformPackage.split('/'), 'bin', process.platform === 'win32' ? 'ccusage.exe' : 'ccusage'),
  };
  if (!fs.existsSync(peer.launcher) || !fs.existsSync(peer.native)) {
    fs.mkdirSync(prefix, { recursive: true });
    console.log(`Installing ccusage ${CCUSAGE_VERSION} and ${platformPackage} into ${prefix} for the comparison…`);
    execFileSync(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--prefix',
        prefix,
        `ccusage@${CCUSAGE_VERSION}`,
        `${platformPackage}@${CCUSAGE_VERSION}`,
      ],
      { stdio: 'inherit' },
    );
  }
  fs.chmodSync(peer.native, 0o755); // as the launcher does on first start
  return peer;
}
