import { readBoundedText } from '../core/boundedBody';
import { parseCopilotQuota, type CopilotQuota } from '../core/limits/copilotQuota';

/**
 * One read of GitHub's Copilot user endpoint with the user's GitHub token. The token goes to the
 * configured endpoint only (redirects are refused, so it cannot be carried elsewhere), is held for
 * this request only and never stored; the answer is bounded before it is buffered.
 */

const MAX_RESPONSE_BYTES = 256 * 1024;
const TIMEOUT_MS = 15_000;

export class CopilotQuotaError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

async function boundedText(response: Response): Promise<string> {
  const { text, truncated } = await readBoundedText(response, MAX_RESPONSE_BYTES);
  if (truncated)
    throw new CopilotQuotaError(`the answer is larger than ${MAX_RESPONSE_BYTES / 1024} KB, which is not the quota GitHub sends`);
  return text;
}

export async function fetchCopilotQuota(endpoint: string, token: string, now: () => number = Date.now): Promise<CopilotQuota> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      headers: { authorization: `token ${token}`, accept: 'application/json', 'user-agent': 'token-meter' },
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new CopilotQuotaError(`could not reach ${new URL(endpoint).origin}: ${(error as Error).message}`);
  }
  const text = await boundedText(response);
  if (!response.ok) throw new CopilotQuotaError(`${new URL(endpoint).origin} answered HTTP ${response.status}`, response.status);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CopilotQuotaError(`${new URL(endpoint).origin} did not answer with JSON`);
  }
  return parseCopilotQuota(json, now());
}
