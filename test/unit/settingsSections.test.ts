import assert from 'node:assert/strict';
import type { RawSettings } from '../../src/core/settings';
import { SectionedSettings } from '../../src/core/settingsSections';
import type { SettingSection } from '../../src/core/settingsSchema';

/** Settings as the editor would hand them over, changed by the test between reads. */
function editor(initial: RawSettings) {
  let current = structuredClone(initial);
  return {
    read: () => structuredClone(current),
    set(change: (raw: RawSettings) => void) {
      change(current);
      current = structuredClone(current);
    },
  };
}

function counting(settings: SectionedSettings, sections: SettingSection[]) {
  const calls = { count: 0 };
  settings.onDidChange(sections, () => calls.count++);
  return calls;
}

describe('settings sections: each part reacts only to its own settings', () => {
  it('does not re-apply the gateway or log capture when a budget or display setting changes', () => {
    const source = editor({ values: { 'gateway.enabled': true, 'budget.daily': 5 } });
    const settings = new SectionedSettings(source.read);
    const gateway = counting(settings, ['gateway']);
    const logs = counting(settings, ['logCapture']);
    const meter = counting(settings, ['budget', 'statusBar']);

    source.set((raw) => (raw.values['budget.daily'] = 8));
    settings.refresh();
    source.set((raw) => (raw.values['statusBar.display'] = 'tokens'));
    settings.refresh();

    assert.equal(meter.count, 2);
    assert.equal(gateway.count, 0, 'the gateway is not re-applied');
    assert.equal(logs.count, 0, 'log capture is not re-applied');
    assert.equal(settings.values['budget.daily'], 8);
  });

  it('tells the gateway once when its own setting changes, with the value validated', () => {
    const source = editor({ values: { 'gateway.enabled': true } });
    const settings = new SectionedSettings(source.read);
    const gateway = counting(settings, ['gateway']);
    source.set((raw) => (raw.values['gateway.port'] = 5000));
    settings.refresh();
    assert.equal(gateway.count, 1);
    assert.equal(settings.values['gateway.port'], 5000);
  });

  it('stays quiet when a change event leaves every value read the same', () => {
    // e.g. a workspace sets tokenMeter.gateway.port: it is not read (user settings only), so nothing changed.
    const source = editor({ values: { 'gateway.enabled': true, 'gateway.port': 5000 } });
    const settings = new SectionedSettings(source.read);
    const any = counting(settings, ['gateway', 'budget', 'team', 'hygiene']);
    settings.refresh();
    assert.equal(any.count, 0);
  });

  it('counts a new origin or a workspace proposal as a change of its section', () => {
    const source = editor({ values: { 'budget.daily': 5 }, sources: { 'budget.daily': 'user' }, proposals: {} });
    const settings = new SectionedSettings(source.read);
    const meter = counting(settings, ['budget']);
    const team = counting(settings, ['team']);
    source.set((raw) => (raw.sources = { 'budget.daily': 'workspace' }));
    settings.refresh();
    source.set((raw) => (raw.proposals = { 'team.endpoint': 'https://tokens.example.com' }));
    settings.refresh();
    assert.equal(meter.count, 1);
    assert.equal(team.count, 1);
  });

  it('reports a broken value, naming it, when it is read, and keeps the rest', () => {
    const reported: string[] = [];
    const source = editor({ values: { 'hygiene.repeatCount': 1, 'budget.daily': 5 } });
    const settings = new SectionedSettings(source.read, (message) => reported.push(message));
    assert.deepEqual(reported, ['tokenMeter.hygiene.repeatCount must be a number, 2 or more (got 1); using 3.']);
    assert.equal(settings.values['hygiene.repeatCount'], 3);
    assert.equal(settings.values['budget.daily'], 5);

    // A change elsewhere does not repeat it; breaking another setting reports that one only.
    source.set((raw) => (raw.values['gateway.maxBodyMB'] = 0));
    settings.refresh();
    assert.deepEqual(reported.slice(1), ['tokenMeter.gateway.maxBodyMB must be a number from 1 to 512 (got 0); using 32.']);
  });

  it('stops telling a listener once it is disposed', () => {
    const source = editor({ values: {} });
    const settings = new SectionedSettings(source.read);
    let calls = 0;
    const subscription = settings.onDidChange(['budget'], () => calls++);
    subscription.dispose();
    source.set((raw) => (raw.values['budget.daily'] = 1));
    settings.refresh();
    assert.equal(calls, 0);
  });
});
