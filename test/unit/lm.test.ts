import * as assert from 'node:assert/strict';
import { anthropicRequestBody, anthropicStreamReader } from '../../src/capture/lm/anthropicStyle';
import type { LmOutputPart, LmRequest, StreamReader } from '../../src/capture/lm/messages';
import { parseModelConfigs, type LmModelConfig } from '../../src/capture/lm/models';
import { openAiRequestBody, openAiStreamReader } from '../../src/capture/lm/openaiStyle';
import { decidePreSend, parseLmGuardSettings, type PreSendInput } from '../../src/capture/lm/preSend';
import { parseBudget } from '../../src/core/budget';
import { BudgetGuard, BudgetOverride } from '../../src/core/budgetGuard';
import { parsePeakSchedule } from '../../src/core/peak';
import { parsePriceOverrides, PriceBook } from '../../src/core/pricing';
import type { Settings } from '../../src/core/settings';
import type { UsageRowLike } from '../../src/core/usage';

const openai: LmModelConfig = parseModelConfigs([{ model: 'gpt-4o', baseUrl: 'http://127.0.0.1:1/v1/' }]).models[0];
const anthropic: LmModelConfig = parseModelConfigs([{ model: 'claude-sonnet-4-5', apiStyle: 'anthropic', maxOutputTokens: 1000 }])
  .models[0];
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

/** A conversation with every part kind: system text, an image, a tool call and its result. */
const conversation: LmRequest = {
  messages: [
    { role: 'system', parts: [{ kind: 'text', text: 'Be brief.' }] },
    {
      role: 'user',
      parts: [
        { kind: 'text', text: 'What is in ' },
        { kind: 'text', text: 'this file?' },
        { kind: 'image', mimeType: 'image/png', data: PNG },
      ],
    },
    { role: 'assistant', parts: [{ kind: 'toolCall', callId: 'call_1', name: 'read_file', input: { path: 'a.ts' } }] },
    { role: 'user', parts: [{ kind: 'toolResult', callId: 'call_1', text: 'export {}' }] },
  ],
  tools: [{ name: 'read_file', description: 'Reads a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } }],
  toolMode: 'required',
  modelOptions: { temperature: 0.2 },
};

describe('chat-model configurations (tokenMeter.models)', () => {
  it('fills defaults and trims the base URL', () => {
    assert.deepEqual(openai, {
      id: 'gpt-4o',
      name: 'gpt-4o',
      apiStyle: 'openai',
      baseUrl: 'http://127.0.0.1:1/v1',
      model: 'gpt-4o',
      contextSize: 128000,
      maxOutputTokens: 8192,
      toolCalling: true,
      imageInput: false,
    });
    assert.equal(anthropic.baseUrl, 'https://api.anthropic.com');
  });

  it('names each unusable entry and keeps the rest', () => {
    const { models, problems } = parseModelConfigs([
      { name: 'no model' },
      { model: 'a', apiStyle: 'gemini' },
      { model: 'b', baseUrl: 'ftp://x' },
      { model: 'c' },
      { model: 'c' },
    ]);
    assert.deepEqual(
      models.map((m) => m.id),
      ['c'],
    );
    assert.equal(problems.length, 4);
    assert.match(problems[0], /tokenMeter\.models\[0\] has no "model"/);
    assert.match(problems[1], /\[1\]: "apiStyle" must be "openai" or "anthropic"/);
    assert.match(problems[2], /\[2\]: "baseUrl" must be an http\(s\) URL/);
    assert.match(problems[3], /\[4\]: another model already has the id "c"/);
    assert.deepEqual(parseModelConfigs('x').problems, ['tokenMeter.models must be a list of models; it is ignored.']);
  });
});

describe('request translation', () => {
  it('OpenAI style: content parts, data-URL images, tool calls and tool results as their own messages', () => {
    const body = openAiRequestBody(openai, conversation);
    assert.deepEqual(body, {
      temperature: 0.2,
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in ' },
            { type: 'text', text: 'this file?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.ts"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'export {}' },
      ],
      tools: [
        { type: 'function', function: { name: 'read_file', description: 'Reads a file', parameters: conversation.tools[0].inputSchema } },
      ],
      tool_choice: 'required',
    });
  });

  it('Anthropic style: system apart, base64 image source, tool_use / tool_result blocks, max_tokens', () => {
    const body = anthropicRequestBody(anthropic, { ...conversation, toolMode: 'auto' });
    assert.deepEqual(body, {
      max_tokens: 1000,
      temperature: 0.2,
      model: 'claude-sonnet-4-5',
      stream: true,
      system: 'Be brief.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in ' },
            { type: 'text', text: 'this file?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw==' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'read_file', input: { path: 'a.ts' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'export {}' }] },
      ],
      tools: [{ name: 'read_file', description: 'Reads a file', input_schema: conversation.tools[0].inputSchema }],
      tool_choice: { type: 'auto' },
    });
  });

  it('Anthropic style merges consecutive turns of one role, as the API wants them alternating', () => {
    const body = anthropicRequestBody(anthropic, {
      messages: [
        { role: 'user', parts: [{ kind: 'text', text: 'a' }] },
        { role: 'user', parts: [{ kind: 'text', text: 'b' }] },
      ],
      tools: [],
      toolMode: 'auto',
      modelOptions: {},
    });
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ]);
    assert.equal('tools' in body, false);
  });
});

function readAll(reader: StreamReader, events: Array<[string, Record<string, unknown>]>): LmOutputPart[] {
  return [...events.flatMap(([name, payload]) => reader.event(payload, name)), ...reader.end()];
}

describe('stream reading', () => {
  it('OpenAI style: text deltas, and tool calls assembled from fragments of two parallel calls', () => {
    const delta = (d: Record<string, unknown>, finish: string | null = null) =>
      ['message', { choices: [{ index: 0, delta: d, finish_reason: finish }] }] as [string, Record<string, unknown>];
    const parts = readAll(openAiStreamReader(), [
      delta({ content: 'Hi' }),
      delta({
        tool_calls: [
          { index: 0, id: 'c0', function: { name: 'a', arguments: '{"x"' } },
          { index: 1, id: 'c1', function: { name: 'b', arguments: '' } },
        ],
      }),
      delta({
        tool_calls: [
          { index: 0, function: { arguments: ': 1}' } },
          { index: 1, function: { arguments: 'not json' } },
        ],
      }),
      delta({}, 'tool_calls'),
    ]);
    assert.deepEqual(parts, [
      { kind: 'text', text: 'Hi' },
      { kind: 'toolCall', callId: 'c0', name: 'a', input: { x: 1 } },
      { kind: 'toolCall', callId: 'c1', name: 'b', input: {} },
    ]);
  });

  it('OpenAI style: an error payload inside the stream is kept as the error', () => {
    const reader = openAiStreamReader();
    readAll(reader, [['message', { error: { message: 'server melted' } }]]);
    assert.equal(reader.error, 'server melted');
  });

  it('Anthropic style: text blocks, a tool_use block from input_json_delta pieces, error events', () => {
    const reader = anthropicStreamReader();
    const parts = readAll(reader, [
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Looking' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'content_block_start',
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'grep', input: {} } },
      ],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q": "to' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'do"}' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }],
    ]);
    assert.deepEqual(parts, [
      { kind: 'text', text: 'Looking' },
      { kind: 'toolCall', callId: 'toolu_1', name: 'grep', input: { q: 'todo' } },
    ]);
    assert.equal(reader.error, 'overloaded_error: Overloaded');
  });
});

describe('the check before sending', () => {
  // Monday 23 Nov 2026, 10:00 UTC: inside a Mon–Fri 09:00–18:00 peak window.
  const now = Date.UTC(2026, 10, 23, 10, 0);
  const PRICE_PER_MILLION = 10;

  function input(options: {
    unit?: 'usd' | 'tokens';
    daily?: number;
    usedToday?: number;
    peak?: boolean;
    promptTokens: number;
    guard?: Partial<ReturnType<typeof parseLmGuardSettings>>;
    overrideActive?: boolean;
  }): PreSendInput {
    const budget = parseBudget(
      { daily: options.daily ?? 0, weekly: 0, monthly: 0, unit: options.unit ?? 'usd', warningThresholds: undefined },
      { daily: 'user' },
    ).budget;
    const peak = parsePeakSchedule(
      { timeZone: 'UTC', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }], multiplier: 2 },
      'tokenMeter.peakHours',
      'UTC',
    ).schedule;
    const prices = new PriceBook(parsePriceOverrides([{ model: 'house-model', input: PRICE_PER_MILLION, output: 0 }]).overrides);
    // Only the fields the check reads; the full Settings is assembled by resolveSettings in the extension.
    const settings = { budget, peak, prices, peakEnabled: options.peak ?? false, timeZone: 'UTC', weekStart: 1 } as unknown as Settings;
    const used = options.usedToday ?? 0;
    const row: UsageRowLike = {
      day: '2026-11-23',
      model: 'house-model',
      events: 1,
      inputTokens: used,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      estimatedTokens: 0,
      costUsd: 0,
      unpricedTokens: 0,
      weightedCostUsd: (used * PRICE_PER_MILLION) / 1e6,
      weightedTokens: used,
      peakTokens: 0,
    };
    const usage = {
      settings,
      rows: (from: string, to: string) => (from <= row.day && row.day <= to && used > 0 ? [row] : []),
      now: () => now,
    };
    const override = new BudgetOverride({ readUntil: () => (options.overrideActive ? now + 1 : 0), writeUntil: () => {} }, () => now);
    return {
      settings,
      now,
      model: 'house-model',
      promptTokens: options.promptTokens,
      guard: { ...parseLmGuardSettings({}), ...options.guard },
      budget: new BudgetGuard(usage, override),
    };
  }

  it('lets a request through with no threshold and soft enforcement, but still estimates it', () => {
    const decision = decidePreSend(input({ promptTokens: 100_000, daily: 0.01, usedToday: 10_000 }));
    assert.equal(decision.action, 'send');
    assert.deepEqual(decision.estimate, { promptTokens: 100_000, costUsd: 1, multiplier: 1, weighted: 1 });
  });

  it('stops a prompt priced over the per-request threshold at the current peak weight', () => {
    // 60k tokens × $10/M = $0.60, ×2 in peak = $1.20 > $1; off-peak weight it would pass.
    const guard = { requestThreshold: 1 };
    assert.equal(decidePreSend(input({ promptTokens: 60_000, guard })).action, 'send');
    const decision = decidePreSend(input({ promptTokens: 60_000, guard, peak: true }));
    assert.equal(decision.action, 'stop');
    assert.equal(decision.action === 'stop' && decision.reason, 'threshold');
    assert.equal(
      decision.action === 'stop' && decision.message,
      "Token Meter: This request's prompt is about 60k tokens ($1.20 at the current peak weight ×2), over your per-request threshold of $1 (tokenMeter.lm.requestThreshold). Raise the threshold, or turn on tokenMeter.lm.askBeforeSending to confirm such requests.",
    );
  });

  it('in tokens, compares peak-weighted prompt tokens with the threshold', () => {
    assert.equal(decidePreSend(input({ unit: 'tokens', promptTokens: 5000, guard: { requestThreshold: 5000 } })).action, 'send');
    assert.equal(decidePreSend(input({ unit: 'tokens', promptTokens: 5001, guard: { requestThreshold: 5000 } })).action, 'stop');
  });

  it('with hard enforcement, stops a request that would go over a budget and names it and the override command', () => {
    // Used today: 90k tokens = $0.90 of $1; the prompt adds $0.20.
    const hard = { budgetEnforcement: 'hard' as const };
    assert.equal(decidePreSend(input({ daily: 1, usedToday: 90_000, promptTokens: 5_000, guard: hard })).action, 'send');
    const decision = decidePreSend(input({ daily: 1, usedToday: 90_000, promptTokens: 20_000, guard: hard }));
    assert.equal(decision.action, 'stop');
    assert.equal(decision.action === 'stop' && decision.reason, 'budget');
    assert.equal(
      decision.action === 'stop' && decision.message,
      'Token Meter: your daily budget of $1 (set in your user settings) would be exceeded: $0.90 counted so far, peak-weighted. This request\'s prompt is about 20k tokens ($0.20). Run "Token Meter: Allow 1 Hour Over Budget" (tokenMeter.allowOverBudget) to continue for 1 h, or raise the budget.',
    );
  });

  it('says "used up" once the budget is spent, and lets requests through during an override', () => {
    const hard = { budgetEnforcement: 'hard' as const };
    const decision = decidePreSend(input({ daily: 1, usedToday: 150_000, promptTokens: 10, guard: hard }));
    assert.match(
      decision.action === 'stop' ? decision.message : '',
      /daily budget of \$1 \(set in your user settings\) is used up \(\$1\.50 counted, peak-weighted\)/,
    );
    assert.equal(
      decidePreSend(input({ daily: 1, usedToday: 150_000, promptTokens: 10, guard: hard, overrideActive: true })).action,
      'send',
    );
  });

  it('reads its settings with safe defaults', () => {
    assert.deepEqual(parseLmGuardSettings({ requestThreshold: -3, budgetEnforcement: 'strict', askBeforeSending: 'yes' }), {
      requestThreshold: 0,
      budgetEnforcement: 'soft',
      askBeforeSending: false,
    });
    assert.deepEqual(parseLmGuardSettings({ requestThreshold: 2.5, budgetEnforcement: 'hard', askBeforeSending: true }), {
      requestThreshold: 2.5,
      budgetEnforcement: 'hard',
      askBeforeSending: true,
    });
  });
});
