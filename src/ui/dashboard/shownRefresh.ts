/**
 * When the dashboard rebuilds its view: on a usage change only while its panel is visible, since
 * building a week's view for a hidden panel is work nobody sees. A change missed while hidden is
 * made up once, when the panel shows again — by the page's own "ready" when VS Code reloads a
 * hidden webview (the default, without retainContextWhenHidden), else by the showing itself.
 * Plain logic, no `vscode`, so it is unit-tested.
 */
export class ShownRefresh {
  private missed = false;
  /** A page that has said "ready" and has not been dropped since. */
  private pageLive = false;

  constructor(
    private readonly rebuild: () => void,
    /** Whether VS Code keeps the webview's page while the panel is hidden (retainContextWhenHidden). */
    private readonly pageSurvivesHiding: boolean,
  ) {}

  /** The usage changed. */
  changed(visible: boolean): void {
    if (visible) this.rebuild();
    else this.missed = true;
  }

  /** The panel was shown or hidden. */
  visibilityChanged(visible: boolean): void {
    if (!visible) {
      if (!this.pageSurvivesHiding) this.pageLive = false;
      return;
    }
    // A page that was dropped says "ready" once it is back, and gets the view then: building it
    // here as well would build it twice.
    if (this.missed && this.pageLive) {
      this.missed = false;
      this.rebuild();
    }
  }

  /** A (new) page asks for the view: it always gets one, and nothing is owed after that. */
  ready(): void {
    this.pageLive = true;
    this.missed = false;
    this.rebuild();
  }
}
