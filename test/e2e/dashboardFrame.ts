import type { Frame } from 'playwright-core';
import { pollFor, type VsCodeSession } from './harness';

/** The dashboard's document: the innermost webview frame that holds `#dashboard`, once it has drawn `week`. */
export async function dashboardFrame(session: VsCodeSession, week: string, timeoutMs = 30_000): Promise<Frame> {
  let seen: string[] = [];
  return pollFor(
    async () => {
      seen = [];
      for (const frame of session.page.frames()) {
        const root = await frame.$('#dashboard').catch(() => null);
        const drawn = await root?.getAttribute('data-drawn-week').catch(() => null);
        if (!drawn) continue;
        seen.push(drawn);
        if (drawn === week) return frame;
      }
      return undefined;
    },
    timeoutMs,
    () => `no webview frame drew the week of ${week}; drawn weeks seen: ${JSON.stringify(seen)}`,
  );
}

/** An element's text as a reader sees it (no-break spaces as spaces). */
export async function frameText(frame: Frame, selector: string): Promise<string> {
  return (await frame.locator(selector).innerText()).replace(/\u00a0/g, ' ').trim();
}
