import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  APPROVAL_GATED_SETTINGS,
  chooseTeamEndpoint,
  httpOrigin,
  teamTokenSecretKey,
  USER_ONLY_SETTINGS,
  valueInSection,
} from '../../src/core/settingScopes';
import { SETTING_KEYS } from '../../src/core/settingsSchema';

interface DeclaredSetting {
  scope?: string;
  type?: string | string[];
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, DeclaredSetting> } };
  capabilities?: { untrustedWorkspaces?: { supported: unknown; restrictedConfigurations?: string[] } };
};
const declared = manifest.contributes.configuration.properties;

describe('setting scopes: what a workspace may set', () => {
  it('declares every setting that decides where keys, tokens or data go, or what is read, with a scope no workspace can set', () => {
    for (const key of USER_ONLY_SETTINGS) {
      const setting = declared[`tokenMeter.${key}`];
      assert.ok(setting, `tokenMeter.${key} is declared`);
      assert.ok(setting.scope === 'machine' || setting.scope === 'application', `tokenMeter.${key} has scope ${String(setting.scope)}`);
    }
  });

  it('leaves no address, upstream, root or model list settable by a workspace without the user', () => {
    const guarded = new Set<string>([...USER_ONLY_SETTINGS, ...APPROVAL_GATED_SETTINGS].map((k) => `tokenMeter.${k}`));
    const sensitive = Object.keys(declared).filter((key) =>
      /endpoint|upstream|url|roots|sources|models$|port$|retention|gateway\.enabled|logCapture\.enabled/i.test(key),
    );
    assert.ok(sensitive.length >= 10, `found ${sensitive.length} sensitive settings`);
    for (const key of sensitive) assert.ok(guarded.has(key), `${key} is user-only or approval-gated`);
  });

  it('names the sensitive settings as restricted in untrusted workspaces', () => {
    const capability = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(capability?.supported, 'limited');
    const restricted = new Set(capability?.restrictedConfigurations);
    for (const key of [...USER_ONLY_SETTINGS, ...APPROVAL_GATED_SETTINGS])
      assert.ok(restricted.has(`tokenMeter.${key}`), `tokenMeter.${key} is restricted`);
  });
});

describe('team endpoint: a workspace proposes, the user approves the exact origin', () => {
  const none = { endpoint: '', teamId: '' };
  const workspace = { endpoint: 'https://tokens.example.com/api', teamId: 'platform' };

  it("uses the user's own endpoint and ignores the workspace's", () => {
    const choice = chooseTeamEndpoint({ endpoint: 'https://mine.example.org', teamId: 'me' }, workspace, {
      'https://tokens.example.com': { allowed: true, at: 1 },
    });
    assert.deepEqual(choice, {
      kind: 'use',
      endpoint: 'https://mine.example.org',
      origin: 'https://mine.example.org',
      teamId: 'me',
      from: 'user',
    });
  });

  it('asks before using an endpoint only the workspace names, and sends nothing meanwhile', () => {
    assert.deepEqual(chooseTeamEndpoint(none, workspace, {}), {
      kind: 'ask',
      endpoint: workspace.endpoint,
      origin: 'https://tokens.example.com',
    });
  });

  it('uses the workspace endpoint, with its team id, once that exact origin is allowed', () => {
    const choice = chooseTeamEndpoint(none, workspace, { 'https://tokens.example.com': { allowed: true, at: 42 } });
    assert.deepEqual(choice, {
      kind: 'use',
      endpoint: workspace.endpoint,
      origin: 'https://tokens.example.com',
      teamId: 'platform',
      from: 'workspace',
      approvedAt: 42,
    });
  });

  it('treats another port, scheme or host as another origin to approve', () => {
    const allowed = { 'https://tokens.example.com': { allowed: true, at: 1 } };
    for (const endpoint of [
      'https://tokens.example.com:8443',
      'http://tokens.example.com',
      'https://tokens.example.com.evil.test',
      'https://evil.test/@tokens.example.com',
    ]) {
      assert.equal(chooseTeamEndpoint(none, { endpoint, teamId: '' }, allowed).kind, 'ask', endpoint);
    }
  });

  it('keeps a refusal, and refuses an address that is not http(s)', () => {
    assert.equal(chooseTeamEndpoint(none, workspace, { 'https://tokens.example.com': { allowed: false, at: 1 } }).kind, 'refused');
    assert.equal(chooseTeamEndpoint(none, { endpoint: 'file:///etc/passwd', teamId: '' }, {}).kind, 'refused');
    assert.equal(chooseTeamEndpoint(none, { endpoint: 'not a url', teamId: '' }, {}).kind, 'refused');
  });

  it('never takes an approval from the object prototype', () => {
    assert.equal(chooseTeamEndpoint(none, { endpoint: 'http://constructor', teamId: '' }, {}).kind, 'ask');
  });

  it('keeps a team token per origin', () => {
    assert.equal(httpOrigin('https://Tokens.Example.com:443/x?y'), 'https://tokens.example.com');
    assert.notEqual(teamTokenSecretKey('https://a.example'), teamTokenSecretKey('https://b.example'));
  });

  it("reads a setting from one scope of the whole section, where VS Code nests each key's dotted parts", () => {
    // As `inspect('tokenMeter').globalValue` holds a user's "tokenMeter.budget.daily": 5 and friends.
    const user = { budget: { daily: 5, unit: 'tokens' }, models: [{ id: 'm' }], gateway: { enabled: false }, hygiene: { detectors: {} } };
    assert.equal(valueInSection(user, 'budget.daily'), 5);
    assert.equal(valueInSection(user, 'budget.unit'), 'tokens');
    assert.deepEqual(valueInSection(user, 'models'), [{ id: 'm' }]);
    assert.equal(valueInSection(user, 'gateway.enabled'), false, 'a false value is a value');
    assert.deepEqual(valueInSection(user, 'hygiene.detectors'), {});
    assert.equal(valueInSection(user, 'budget.weekly'), undefined);
    assert.equal(valueInSection(user, 'gateway.port'), undefined);
    assert.equal(valueInSection(undefined, 'budget.daily'), undefined, 'a scope that sets nothing');
    assert.equal(valueInSection({ budget: 5 }, 'budget.daily'), undefined, 'a number where an object belongs');
    assert.equal(valueInSection({ models: ['a'] }, 'models.length' as never), undefined, 'never a property of an array');
    assert.equal(valueInSection({}, 'timeZone'), undefined);
    assert.equal(valueInSection(Object.create({ timeZone: 'UTC' }), 'timeZone'), undefined, 'never an inherited property');
  });

  it('declares no setting whose key is the dotted prefix of another, so nested scopes hold each one apart', () => {
    for (const key of SETTING_KEYS)
      for (const other of SETTING_KEYS) assert.ok(!other.startsWith(`${key}.`), `tokenMeter.${key} is a prefix of tokenMeter.${other}`);
  });
});
