import type { IncomingHttpHeaders } from 'node:http';

/**
 * The gateway serves only local, non-browser clients. A Host that is not a loopback name means a
 * DNS-rebinding page is talking to us through a name it controls; an Origin header means a browser
 * made the request. Both are refused before anything is forwarded. (The per-install secret in the
 * path keeps other local users out; see host.ts.)
 */
const LOOPBACK_HOST = /^(?:127(?:\.\d{1,3}){3}|localhost|\[::1\])(?::\d{1,5})?$/i;

export function checkRequestOrigin(headers: IncomingHttpHeaders, rawHeaders: readonly string[] = []): string | undefined {
  // Node keeps the first of several Host headers; a second one is a smuggling attempt, not a client.
  if (rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'host').length > 1) {
    return "Token Meter's gateway does not accept a request with more than one Host header.";
  }
  const host = headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) {
    return `Token Meter's gateway only answers requests addressed to 127.0.0.1 or localhost (Host was "${host.slice(0, 100)}").`;
  }
  if (headers.origin !== undefined) {
    return "Token Meter's gateway does not accept requests from web pages (an Origin header was sent).";
  }
  return undefined;
}
