import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';

/**
 * A local stand-in for the OpenAI and Anthropic APIs, answering with the JSON and SSE shapes the
 * real services send. The request's model name selects a behaviour:
 *   "*-no-usage"  stream without a usage report     "*-error-mid"  error event after some output
 *   "*-slow"      stream that drips (100 ms apart)   "*-gzip"       gzip-compressed JSON body
 *   "*-bad"       400 with the provider's error body   "*-20ms"       answers after 20 ms, like a fast real API
 *   "*-tools"     streams a call of the first tool in the request (arguments split into pieces)
 *   "*-json"      answers with one JSON body even when a stream was asked for (some compatible servers do)
 *   "*-401", "*-404", "*-429"  that HTTP status with the provider's error body (429 with retry-after: 7)
 */

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export const CHAT_USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 45,
  total_tokens: 1245,
  prompt_tokens_details: { cached_tokens: 1000 },
  completion_tokens_details: { reasoning_tokens: 12 },
};
export const RESPONSES_USAGE = {
  input_tokens: 900,
  input_tokens_details: { cached_tokens: 100 },
  output_tokens: 70,
  output_tokens_details: { reasoning_tokens: 30 },
  total_tokens: 970,
};
/** As the Messages API reports it today: cache writes split by TTL in cache_creation (800 5-minute + 1,200 1-hour). */
export const ANTHROPIC_USAGE = {
  input_tokens: 25,
  cache_creation_input_tokens: 2000,
  cache_read_input_tokens: 30000,
  output_tokens: 88,
  cache_creation: { ephemeral_5m_input_tokens: 800, ephemeral_1h_input_tokens: 1200 },
  service_tier: 'standard',
};
export const STREAM_WORDS = ['Hello', ' there', ',', ' this', ' is', ' a', ' streamed', ' answer', '.'];
/** The arguments a "*-tools" model calls the first tool with, and the pieces they are streamed in. */
export const TOOL_CALL_INPUT = { path: 'src/main.ts', line: 42 };
const TOOL_ARGUMENT_PIECES = ['{"path": "src/', 'main.ts", "li', 'ne": 42}'];
export const RETRY_AFTER_SECONDS = 7;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sse(res: http.ServerResponse, data: unknown, event?: string): void {
  res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

async function openAiChat(req: ReceivedRequest, body: Record<string, unknown>, res: http.ServerResponse): Promise<void> {
  const model = String(body.model);
  const id = `chatcmpl-${Math.random().toString(36).slice(2, 10)}`;
  if (!body.stream || model.endsWith('-json')) {
    if (model.endsWith('-20ms')) await sleep(20);
    const payload = JSON.stringify({
      id,
      object: 'chat.completion',
      created: 1763900000,
      model: `${model}-2026-01-01`,
      choices: [{ index: 0, message: { role: 'assistant', content: STREAM_WORDS.join('') }, finish_reason: 'stop' }],
      usage: CHAT_USAGE,
    });
    if (model.endsWith('-gzip')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(payload));
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_fake' });
      res.end(payload);
    }
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id, object: 'chat.completion.chunk', created: 1763900000, model: `${model}-2026-01-01` };
  sse(res, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  if (model.endsWith('-tools')) {
    sse(res, {
      ...base,
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: 'call_fake1', type: 'function', function: { name: firstToolName(body), arguments: '' } }] },
          finish_reason: null,
        },
      ],
    });
    for (const piece of TOOL_ARGUMENT_PIECES)
      sse(res, {
        ...base,
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }],
      });
    sse(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
    sse(res, { ...base, choices: [], usage: CHAT_USAGE });
    sse(res, '[DONE]');
    res.end();
    return;
  }
  for (const [i, word] of STREAM_WORDS.entries()) {
    if (model.endsWith('-slow')) await sleep(100);
    if (res.destroyed) return;
    sse(res, { ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] });
    if (model.endsWith('-error-mid') && i === 3) {
      sse(res, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
      res.end();
      return;
    }
  }
  sse(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage && !model.endsWith('-no-usage')) sse(res, { ...base, choices: [], usage: CHAT_USAGE });
  sse(res, '[DONE]');
  res.end();
}

function firstToolName(body: Record<string, unknown>): string {
  const tools = (body.tools ?? []) as Array<{ name?: string; function?: { name?: string } }>;
  return tools[0]?.function?.name ?? tools[0]?.name ?? 'no_tool_given';
}

/** Models named "*-401" / "*-404" / "*-429" fail with that status, in the provider's error format. */
function failsWithStatus(anthropic: boolean, body: Record<string, unknown>, res: http.ServerResponse): boolean {
  const status = Number(/-(401|404|429)$/.exec(String(body.model))?.[1]);
  if (!status) return false;
  const message =
    status === 401 ? 'Invalid API key' : status === 404 ? `The model ${String(body.model)} does not exist` : 'Rate limit reached';
  const type = status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : 'rate_limit_error';
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {}) });
  res.end(JSON.stringify(anthropic ? { type: 'error', error: { type, message } } : { error: { message, type, code: type } }));
  return true;
}

async function openAiResponses(body: Record<string, unknown>, res: http.ServerResponse): Promise<void> {
  const model = String(body.model);
  const response = {
    id: 'resp_fake123',
    object: 'response',
    created_at: 1763900000,
    status: 'completed',
    model: `${model}-2026-01-01`,
    output: [
      {
        type: 'message',
        id: 'msg_1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: STREAM_WORDS.join(''), annotations: [] }],
      },
    ],
    usage: RESPONSES_USAGE,
  };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(response));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let seq = 0;
  sse(
    res,
    { type: 'response.created', sequence_number: seq++, response: { ...response, status: 'in_progress', output: [], usage: null } },
    'response.created',
  );
  for (const word of STREAM_WORDS)
    sse(
      res,
      { type: 'response.output_text.delta', sequence_number: seq++, item_id: 'msg_1', output_index: 0, content_index: 0, delta: word },
      'response.output_text.delta',
    );
  sse(res, { type: 'response.completed', sequence_number: seq++, response }, 'response.completed');
  res.end();
}

async function anthropicMessages(body: Record<string, unknown>, res: http.ServerResponse): Promise<void> {
  const model = String(body.model);
  const id = `msg_${Math.random().toString(36).slice(2, 12)}`;
  if (model.endsWith('-bad')) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } }));
    return;
  }
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: STREAM_WORDS.join('') }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: ANTHROPIC_USAGE,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  sse(
    res,
    {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
      },
    },
    'message_start',
  );
  sse(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
  sse(res, { type: 'ping' }, 'ping');
  if (model.endsWith('-tools')) {
    sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me look.' } }, 'content_block_delta');
    sse(res, { type: 'content_block_stop', index: 0 }, 'content_block_stop');
    sse(
      res,
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_fake1', name: firstToolName(body), input: {} },
      },
      'content_block_start',
    );
    for (const piece of TOOL_ARGUMENT_PIECES)
      sse(res, { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: piece } }, 'content_block_delta');
    sse(res, { type: 'content_block_stop', index: 1 }, 'content_block_stop');
    sse(
      res,
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: ANTHROPIC_USAGE.output_tokens },
      },
      'message_delta',
    );
    sse(res, { type: 'message_stop' }, 'message_stop');
    res.end();
    return;
  }
  for (const [i, word] of STREAM_WORDS.entries()) {
    if (model.endsWith('-slow')) await sleep(100);
    if (res.destroyed) return;
    sse(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } }, 'content_block_delta');
    if (model.endsWith('-error-mid') && i === 3) {
      sse(res, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
      res.end();
      return;
    }
  }
  sse(res, { type: 'content_block_stop', index: 0 }, 'content_block_stop');
  sse(
    res,
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: ANTHROPIC_USAGE.output_tokens },
    },
    'message_delta',
  );
  sse(res, { type: 'message_stop' }, 'message_stop');
  res.end();
}

export class FakeUpstream {
  readonly requests: ReceivedRequest[] = [];
  /** Sent on every response besides its own headers (e.g. a provider's rate-limit headers). */
  extraResponseHeaders: Record<string, string> = {};
  private server!: http.Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const received: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(received);
        for (const [name, value] of Object.entries(this.extraResponseHeaders)) res.setHeader(name, value);
        void this.route(received, res).catch((error) => {
          if (!res.headersSent) res.writeHead(500);
          res.end(String(error));
        });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private async route(req: ReceivedRequest, res: http.ServerResponse): Promise<void> {
    const path = req.path.split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o', object: 'model', owned_by: 'openai' }] }));
      return;
    }
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    if (failsWithStatus(path === '/v1/messages', body, res)) return;
    if (path === '/v1/chat/completions') return openAiChat(req, body, res);
    if (path === '/v1/responses') return openAiResponses(body, res);
    if (path === '/v1/completions') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'cmpl-fake',
          object: 'text_completion',
          model: body.model,
          choices: [{ text: ' world', index: 0, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
        }),
      );
      return;
    }
    if (path === '/v1/embeddings') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
          model: body.model,
          usage: { prompt_tokens: 8, total_tokens: 8 },
        }),
      );
      return;
    }
    if (path === '/v1/messages/count_tokens') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ input_tokens: 42 }));
      return;
    }
    if (path === '/v1/messages') return anthropicMessages(body, res);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${path}` } }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
