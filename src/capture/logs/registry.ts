import { claudeCode } from './claudeCode';
import { codex } from './codex';
import { copilotChat } from './copilotChat';
import { geminiCli } from './geminiCli';
import type { LogAdapter } from './types';

/** Every assistant whose logs Token Meter reads. A new assistant is one adapter file and one line here. */
export const LOG_ADAPTERS: readonly LogAdapter[] = [claudeCode, codex, copilotChat, geminiCli];

export function adapterFor(source: string): LogAdapter | undefined {
  return LOG_ADAPTERS.find((adapter) => adapter.source === source);
}
