/** Problems worded for people, each said once until its cause is gone (clear), so a retry loop does not repeat itself. */
export class ProblemsOnce {
  private readonly said = new Set<string>();

  constructor(readonly say: (message: string) => void) {}

  once(key: string, message: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.say(message);
  }

  /** The problem is over: say it again if it comes back. */
  clear(key: string): void {
    this.said.delete(key);
  }
}
