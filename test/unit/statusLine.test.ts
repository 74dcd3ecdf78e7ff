import assert from 'node:assert/strict';
import { isTokenMeterStatusLine, planConnect, planDisconnect, ClaudeSettingsError } from '../../src/core/limits/claudeSettings';
import { formatStatusLine, parseStatusLineInput } from '../../src/core/limits/statusLine';
import { CLAUDE_STATUS_JSON, NOW, S } from '../support/claudeStatus';

describe("Claude Code's status-line JSON", () => {
  it('with rate_limits: the five-hour and seven-day readings, labelled as from Claude Code', () => {
    const facts = parseStatusLineInput(CLAUDE_STATUS_JSON, NOW);
    assert.equal(facts.model, 'Opus');
    assert.equal(facts.workspace, 'myapp');
    assert.equal(facts.costUsd, 1.372);
    assert.equal(facts.contextUsedRatio, 0.42);
    assert.deepEqual(
      facts.readings.map((r) => [r.provider, r.window, r.usedRatio, r.resetsAt, r.source, r.observedAt]),
      [
        ['anthropic', '5h', 0.235, S(NOW + 2 * 3600_000 + 20 * 60_000) * 1000, 'claude-code', NOW],
        ['anthropic', '7d', 0.41, S(NOW + 3 * 86_400_000 - 3 * 3600_000) * 1000, 'claude-code', NOW],
      ],
    );
    assert.equal(formatStatusLine(facts, NOW, 'UTC'), 'Opus · myapp · ctx 42% · $1.37 · 5h 24% ↻14:20 · 7d 41% ↻Mon 09:00');
  });

  it('without rate_limits (API key, or before the first response): no readings, the rest still shown', () => {
    const { rate_limits: _none, ...withoutLimits } = CLAUDE_STATUS_JSON;
    const facts = parseStatusLineInput(withoutLimits, NOW);
    assert.deepEqual(facts.readings, []);
    assert.equal(formatStatusLine(facts, NOW, 'UTC'), 'Opus · myapp · ctx 42% · $1.37');
  });

  it('context from current_usage when no percentage is given; per-model windows kept; bad or stale windows skipped', () => {
    const facts = parseStatusLineInput(
      {
        model: { id: 'claude-sonnet-4-6' },
        context_window: {
          context_window_size: 200000,
          current_usage: { input_tokens: 1000, cache_creation_input_tokens: 9000, cache_read_input_tokens: 40000, output_tokens: 500 },
        },
        rate_limits: {
          seven_day_opus: { used_percentage: 80, resets_at: new Date(NOW + 86_400_000).toISOString() },
          five_hour: { used_percentage: 'high' },
          seven_day: { used_percentage: 10, resets_at: S(NOW - 1000) },
        },
      },
      NOW,
    );
    assert.equal(facts.model, 'claude-sonnet-4-6');
    assert.equal(facts.contextUsedRatio, 0.25);
    assert.deepEqual(
      facts.readings.map((r) => [r.window, r.usedRatio]),
      [['7d_opus', 0.8]],
    );
  });

  it('anything that is not an object gives an empty line, never an exception', () => {
    for (const input of [undefined, null, 42, 'text', [1, 2]]) assert.deepEqual(parseStatusLineInput(input, NOW), { readings: [] });
  });
});

describe("Claude Code's settings: connecting the status line", () => {
  const OURS = "node '/ext/dist/cli.js' statusline";

  it('recognises its own command however it is invoked', () => {
    assert.ok(isTokenMeterStatusLine('token-meter statusline'));
    assert.ok(isTokenMeterStatusLine(OURS));
    assert.ok(!isTokenMeterStatusLine('bash ~/.claude/statusline.sh'));
  });

  it('connect: sets statusLine, keeps every other setting, hands back the previous one to chain', () => {
    const before = JSON.stringify({
      model: 'opus',
      permissions: { allow: ['Bash(ls)'] },
      statusLine: { type: 'command', command: 'bash ~/.claude/line.sh', padding: 1 },
    });
    const plan = planConnect(before, OURS);
    const after = JSON.parse(plan.text);
    assert.deepEqual(after, {
      model: 'opus',
      permissions: { allow: ['Bash(ls)'] },
      statusLine: { type: 'command', command: OURS, padding: 1 },
    });
    assert.deepEqual(plan.previous, { type: 'command', command: 'bash ~/.claude/line.sh', padding: 1 });
    assert.match(plan.changes[0], /statusLine\.command: "bash ~\/\.claude\/line\.sh" → "node '\/ext\/dist\/cli\.js' statusline"/);
    assert.equal(planConnect(plan.text, OURS).unchanged, true, 'connecting twice changes nothing');
  });

  it('connect with no settings file or no status line', () => {
    assert.deepEqual(JSON.parse(planConnect(undefined, OURS).text), { statusLine: { type: 'command', command: OURS } });
    assert.equal(planConnect('{}', OURS).previous, undefined);
  });

  it('refuses a settings file that is not a JSON object, naming the problem', () => {
    assert.throws(() => planConnect('{ "model": ', OURS), ClaudeSettingsError);
    assert.throws(() => planConnect('[1]', OURS), /does not hold a JSON object/);
  });

  it('disconnect: restores the previous status line, or removes ours; leaves a foreign one alone', () => {
    const connected = planConnect(JSON.stringify({ model: 'opus', statusLine: { type: 'command', command: 'bash line.sh' } }), OURS);
    assert.deepEqual(JSON.parse(planDisconnect(connected.text, connected.previous).text), {
      model: 'opus',
      statusLine: { type: 'command', command: 'bash line.sh' },
    });
    assert.deepEqual(JSON.parse(planDisconnect(planConnect('{"model":"opus"}', OURS).text, undefined).text), { model: 'opus' });
    assert.equal(planDisconnect(JSON.stringify({ statusLine: { type: 'command', command: 'other' } }), undefined).unchanged, true);
  });
});
