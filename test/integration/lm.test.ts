import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LmOutputPart, LmRequest } from '../../src/capture/lm/messages';
import { parseModelConfigs, type LmModelConfig } from '../../src/capture/lm/models';
import { LmUpstreamError, sendMetered, type LmSendResult } from '../../src/capture/lm/send';
import { makeEventId, validateUsageEvent, type UsageEvent } from '../../src/core/events';
import { freePort } from '../support/net';
import { RecordingServer } from '../support/recordingServer';
import { ANTHROPIC_USAGE, CHAT_USAGE, FakeUpstream, RETRY_AFTER_SECONDS, STREAM_WORDS, TOOL_CALL_INPUT } from '../support/fakeUpstream';

const API_KEY = 'sk-test-lm-provider-0123456789';

const ask: LmRequest = {
  messages: [
    { role: 'system', parts: [{ kind: 'text', text: 'You are terse.' }] },
    { role: 'user', parts: [{ kind: 'text', text: 'Say hello.' }] },
  ],
  tools: [],
  toolMode: 'auto',
  modelOptions: {},
};
const withTool: LmRequest = {
  ...ask,
  tools: [{ name: 'read_file', description: 'Reads a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } }],
};

/** The usage the fake upstream reports, in UsageEvent terms (OpenAI's prompt_tokens includes cached tokens). */
const EXPECTED_USAGE = {
  openai: {
    inputTokens: CHAT_USAGE.prompt_tokens - CHAT_USAGE.prompt_tokens_details.cached_tokens,
    cacheReadTokens: CHAT_USAGE.prompt_tokens_details.cached_tokens,
    cacheWriteTokens: 0,
    outputTokens: CHAT_USAGE.completion_tokens,
    reasoningTokens: CHAT_USAGE.completion_tokens_details.reasoning_tokens,
  },
  anthropic: {
    inputTokens: ANTHROPIC_USAGE.input_tokens,
    cacheReadTokens: ANTHROPIC_USAGE.cache_read_input_tokens,
    cacheWriteTokens: ANTHROPIC_USAGE.cache_creation_input_tokens,
    outputTokens: ANTHROPIC_USAGE.output_tokens,
    reasoningTokens: 0,
  },
};

describe('chat-model provider: metered requests against a local fake upstream', function () {
  this.timeout(20_000);
  const upstream = new FakeUpstream();
  const recorded: UsageEvent[] = [];

  before(() => upstream.start());
  after(() => upstream.stop());
  beforeEach(() => {
    recorded.length = 0;
    upstream.requests.length = 0;
  });

  function model(
    style: 'openai' | 'anthropic',
    id: string,
    baseUrl = style === 'openai' ? `${upstream.url}/v1` : upstream.url,
  ): LmModelConfig {
    return parseModelConfigs([{ model: id, apiStyle: style, baseUrl }]).models[0];
  }

  async function send(
    config: LmModelConfig,
    request: LmRequest,
    signal?: AbortSignal,
    onPart?: (part: LmOutputPart, parts: LmOutputPart[]) => void,
  ): Promise<{ result: LmSendResult; parts: LmOutputPart[] }> {
    const parts: LmOutputPart[] = [];
    const result = await sendMetered({
      config,
      apiKey: API_KEY,
      request,
      sink: { record: (e) => recorded.push(validateUsageEvent(e)) },
      signal,
      onPart: (part) => {
        parts.push(part);
        onPart?.(part, parts);
      },
    });
    return { result, parts };
  }

  const text = (parts: LmOutputPart[]) => parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');

  for (const style of ['openai', 'anthropic'] as const) {
    describe(`${style} style`, () => {
      it('streams the answer as text parts and records exactly the usage the upstream reported', async () => {
        const { result, parts } = await send(model(style, style === 'openai' ? 'gpt-4o' : 'claude-sonnet-4-5'), ask);
        assert.ok(parts.length >= STREAM_WORDS.length, 'one part per streamed delta');
        assert.equal(text(parts), STREAM_WORDS.join(''));
        assert.equal(recorded.length, 1);
        const event = recorded[0];
        assert.deepEqual(result.event, event);
        assert.deepEqual(
          {
            inputTokens: event.inputTokens,
            cacheReadTokens: event.cacheReadTokens,
            cacheWriteTokens: event.cacheWriteTokens,
            outputTokens: event.outputTokens,
            reasoningTokens: event.reasoningTokens,
          },
          EXPECTED_USAGE[style],
        );
        // Anthropic splits cache writes by TTL; the 1-hour part is kept so it is priced at its own rate.
        assert.equal(
          event.cacheWrite1hTokens,
          style === 'anthropic' ? ANTHROPIC_USAGE.cache_creation.ephemeral_1h_input_tokens : undefined,
        );
        assert.equal(event.estimated, false);
        assert.equal(event.source, 'lm-provider');
        assert.equal(event.provider, style);
        assert.equal(event.status, 200);
        // The same id the gateway gives the same response, so a request seen by both counts once.
        assert.ok(event.requestId);
        assert.equal(event.id, makeEventId(style, event.requestId));

        const received = upstream.requests[0];
        const body = JSON.parse(received.body);
        assert.equal(body.stream, true);
        if (style === 'openai') {
          assert.equal(received.path, '/v1/chat/completions');
          assert.equal(received.headers.authorization, `Bearer ${API_KEY}`);
          assert.deepEqual(body.stream_options, { include_usage: true });
        } else {
          assert.equal(received.path, '/v1/messages');
          assert.equal(received.headers['x-api-key'], API_KEY);
          assert.equal(received.headers['anthropic-version'], '2023-06-01');
          assert.equal(body.system, 'You are terse.');
          assert.equal(body.max_tokens, 8192);
        }
      });

      it('returns a tool call with its streamed arguments assembled, and records the usage', async () => {
        const { parts } = await send(model(style, style === 'openai' ? 'gpt-4o-tools' : 'claude-sonnet-4-5-tools'), withTool);
        const calls = parts.filter((p) => p.kind === 'toolCall');
        assert.deepEqual(calls, [
          { kind: 'toolCall', callId: style === 'openai' ? 'call_fake1' : 'toolu_fake1', name: 'read_file', input: TOOL_CALL_INPUT },
        ]);
        const tools = JSON.parse(upstream.requests[0].body).tools;
        assert.equal(style === 'openai' ? tools[0].function.name : tools[0].name, 'read_file');
        assert.equal(recorded.length, 1);
        assert.equal(recorded[0].outputTokens, EXPECTED_USAGE[style].outputTokens);
        assert.equal(recorded[0].estimated, false);
      });

      it('stops the upstream stream on cancellation and records what was produced, marked estimated', async () => {
        const controller = new AbortController();
        let abortedAt = 0;
        const started = performance.now();
        const { result, parts } = await send(
          model(style, style === 'openai' ? 'gpt-4o-slow' : 'claude-sonnet-4-5-slow'),
          ask,
          controller.signal,
          (_part, all) => {
            if (text(all).length >= 'Hello there'.length && !abortedAt) {
              abortedAt = performance.now();
              controller.abort();
            }
          },
        );
        const returnedAfterAbortMs = performance.now() - abortedAt;
        assert.equal(result.cancelled, true);
        assert.ok(abortedAt > started);
        assert.ok(text(parts).length < STREAM_WORDS.join('').length, `got the whole answer: ${text(parts)}`);
        // The slow upstream drips a word every 100 ms; returning in well under the time the rest takes shows the stream was cut.
        const restMs = (STREAM_WORDS.length - 2) * 100;
        assert.ok(
          returnedAfterAbortMs < restMs / 2,
          `returned ${returnedAfterAbortMs.toFixed(0)} ms after the abort; the rest of the answer takes ${restMs} ms`,
        );
        assert.equal(recorded.length, 1);
        assert.equal(recorded[0].status, 499);
        assert.equal(recorded[0].estimated, true);
        assert.ok(recorded[0].outputTokens > 0);
      });

      it('an error event mid-stream fails the request after the partial answer, and what was produced is metered', async () => {
        const parts: LmOutputPart[] = [];
        await assert.rejects(
          sendMetered({
            config: model(style, style === 'openai' ? 'gpt-4o-error-mid' : 'claude-sonnet-4-5-error-mid'),
            apiKey: API_KEY,
            request: ask,
            sink: { record: (e) => recorded.push(e) },
            onPart: (p) => parts.push(p),
          }),
          (error: LmUpstreamError) =>
            error.kind === 'upstream' && /stopped with an error: .*(server had an error|Overloaded)/.test(error.message),
        );
        assert.equal(text(parts), STREAM_WORDS.slice(0, 4).join(''));
        assert.equal(recorded.length, 1);
      });

      const failures = [
        [
          '401',
          'auth',
          /was refused \(127\.0\.0\.1:\d+ answered 401: Invalid API key\)\. Check its API key with "Token Meter: Set Model API Key…"/,
        ],
        [
          '404',
          'notFound',
          /was not found at http:\/\/127\.0\.0\.1:\d+\/.*answered 404: The model .* does not exist\)\. Check "model" and "baseUrl"/,
        ],
        [
          '429',
          'rateLimited',
          new RegExp(`rate-limited or out of quota .*Rate limit reached\\)\\. Try again in ${RETRY_AFTER_SECONDS} s\\.`),
        ],
      ] as const;
      for (const [status, kind, message] of failures) {
        it(`maps HTTP ${status} to a "${kind}" error that says what to check, and records nothing`, async () => {
          const config = model(style, `m-${status}`);
          await assert.rejects(send(config, ask), (error: LmUpstreamError) => {
            assert.equal(error.kind, kind);
            assert.equal(error.status, Number(status));
            assert.match(error.message, message);
            if (kind === 'rateLimited') assert.equal(error.retryAfterSeconds, RETRY_AFTER_SECONDS);
            return true;
          });
          assert.equal(recorded.length, 0);
        });
      }

      it('names the endpoint when it cannot be reached', async () => {
        const port = await freePort(); // free a moment ago: nothing listens on it
        await assert.rejects(send(model(style, 'gpt-4o', `http://127.0.0.1:${port}`), ask), (error: LmUpstreamError) => {
          assert.equal(error.kind, 'unreachable');
          assert.match(error.message, new RegExp(`Could not reach http://127\\.0\\.0\\.1:${port} for model "gpt-4o": .*ECONNREFUSED`));
          return true;
        });
        assert.equal(recorded.length, 0);
      });
    });
  }

  it('takes a whole JSON answer from a server that ignores stream: true, with its reported usage', async () => {
    const { result, parts } = await send(model('openai', 'gpt-4o-json'), ask);
    assert.equal(text(parts), STREAM_WORDS.join(''));
    assert.equal(result.event?.outputTokens, EXPECTED_USAGE.openai.outputTokens);
    assert.equal(result.event?.estimated, false);
  });

  it('a request cancelled before it is sent never reaches the upstream and records nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result } = await send(model('openai', 'gpt-4o'), ask, controller.signal);
    assert.equal(result.cancelled, true);
    assert.equal(upstream.requests.length, 0);
    assert.equal(recorded.length, 0);
  });

  it("does not follow a base URL's redirect: the API key never reaches another server", async () => {
    const elsewhere = await new RecordingServer().start();
    const redirecting = http.createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${elsewhere.url}${req.url ?? '/'}` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      for (const style of ['anthropic', 'openai'] as const) {
        await assert.rejects(
          send(model(style, style === 'openai' ? 'gpt-4o' : 'claude-sonnet-4-5', base), ask),
          (error: Error) => error instanceof LmUpstreamError && /redirect/i.test(error.message),
        );
      }
      assert.equal(elsewhere.requests.length, 0, elsewhere.describe());
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await elsewhere.stop();
    }
  });
});
