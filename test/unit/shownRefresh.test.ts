import * as assert from 'node:assert/strict';
import { ShownRefresh } from '../../src/ui/dashboard/shownRefresh';

function counted(pageSurvivesHiding = false) {
  const state = { builds: 0 };
  const refresh = new ShownRefresh(() => (state.builds += 1), pageSurvivesHiding);
  return { state, refresh };
}

describe('dashboard: rebuilds only while shown', () => {
  it('rebuilds on every usage change while visible', () => {
    const { state, refresh } = counted();
    refresh.ready();
    refresh.changed(true);
    refresh.changed(true);
    assert.equal(state.builds, 3);
  });

  it('builds nothing while hidden, and once when the reloaded page asks, however many changes it missed', () => {
    const { state, refresh } = counted();
    refresh.ready();
    refresh.visibilityChanged(false);
    for (let i = 0; i < 50; i++) refresh.changed(false);
    assert.equal(state.builds, 1, 'no build while hidden');
    refresh.visibilityChanged(true);
    assert.equal(state.builds, 1, 'VS Code reloads a hidden webview: its "ready" is what asks');
    refresh.ready();
    assert.equal(state.builds, 2);
    refresh.visibilityChanged(false);
    refresh.visibilityChanged(true);
    refresh.ready();
    assert.equal(state.builds, 3, 'a page reloaded with nothing missed still gets its view');
  });

  it('with a page kept while hidden, makes up a missed change once when shown', () => {
    const { state, refresh } = counted(true);
    refresh.ready();
    refresh.visibilityChanged(false);
    refresh.changed(false);
    refresh.changed(false);
    assert.equal(state.builds, 1);
    refresh.visibilityChanged(true);
    assert.equal(state.builds, 2);
    refresh.visibilityChanged(true);
    refresh.visibilityChanged(false);
    refresh.visibilityChanged(true);
    assert.equal(state.builds, 2, 'nothing more was missed');
  });
});
