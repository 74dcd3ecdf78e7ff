import * as vscode from 'vscode';
import type { CommitCount } from '../../core/dashboard/viewModel';

/** The part of the built-in Git extension's API (`vscode.git`, API version 1) that counting commits needs. */
interface GitExtension {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: GitRepository[];
}

interface GitRepository {
  getConfig(key: string): Promise<string>;
  log(options?: { maxEntries?: number }): Promise<GitCommit[]>;
}

interface GitCommit {
  readonly authorDate?: Date;
  readonly commitDate?: Date;
  readonly authorEmail?: string;
}

/** Enough history for a busy week in one repository; older weeks beyond it count what is within reach. */
const MAX_LOG_ENTRIES = 2000;
const GIT_START_WAIT_MS = 3000;

async function initializedApi(extension: GitExtension): Promise<GitApi> {
  const api = extension.getAPI(1);
  if (api.state === 'initialized') return api;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      listener.dispose();
      resolve();
    }, GIT_START_WAIT_MS);
    const listener = api.onDidChangeState((state) => {
      if (state !== 'initialized') return;
      clearTimeout(timer);
      listener.dispose();
      resolve();
    });
  });
  return api;
}

/**
 * Commits made in [fromTs, toTs) in the repositories open in this window, by the user's own
 * `user.email` where git knows it. A rough signal of work done, nothing more.
 */
export async function countCommits(fromTs: number, toTs: number): Promise<CommitCount> {
  const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
  if (!extension) return { available: false, reason: 'the built-in Git extension is missing or disabled, so commits are not counted.' };
  const git = extension.isActive ? extension.exports : await extension.activate();
  if (!git.enabled) return { available: false, reason: 'Git is turned off in VS Code (“git.enabled”), so commits are not counted.' };
  const api = await initializedApi(git);
  if (api.repositories.length === 0) return { available: false, reason: 'no git repository is open in this window.' };
  let commits = 0;
  let byAuthor = true;
  for (const repository of api.repositories) {
    const email = (await repository.getConfig('user.email').catch(() => '')).trim().toLowerCase();
    if (email === '') byAuthor = false;
    const log = await repository.log({ maxEntries: MAX_LOG_ENTRIES }).catch(() => []);
    for (const commit of log) {
      const at = (commit.authorDate ?? commit.commitDate)?.getTime();
      if (at === undefined || at < fromTs || at >= toTs) continue;
      if (email !== '' && commit.authorEmail?.toLowerCase() !== email) continue;
      commits += 1;
    }
  }
  return { available: true, commits, repositories: api.repositories.length, byAuthor };
}
