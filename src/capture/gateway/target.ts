/**
 * Where a forwarded request goes. The only input that decides it is the configured upstream: the
 * client's path is cut into segments, checked, and appended under the upstream's own path. Nothing
 * in the path can name a host (`//host`, `/\host`, `%2F%2Fhost`), climb out of the upstream's path
 * (`..`, `%2e%2e`), or smuggle a line break into the request line; such paths are refused, and the
 * finished URL is checked against the upstream's origin before anything is sent.
 *
 * Why not `new URL(path, upstream)`: URL resolution treats a path starting with `//` as a host,
 * which is how `/<secret>/openai//127.0.0.1:9999/steal` sent the caller's API key elsewhere.
 */

export interface RequestTarget {
  /** Path segments, none empty, none `.` or `..`, still percent-encoded as the client sent them. */
  segments: string[];
  /** The query as sent, without the `?` ('' when there is none). */
  query: string;
  /** The path ended with '/', kept so a forwarded path looks like the one sent. */
  trailingSlash: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Bytes no path segment may hold, raw or percent-encoded: separators, controls, DEL. */
const FORBIDDEN_IN_SEGMENT = /[/\\\u0000-\u001f\u007f]/;

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Splits an origin-form request target (`/a/b?q`). Repeated slashes collapse; a `.` segment is
 * dropped; anything else that could change where the path points is refused with a reason.
 */
export function parseRequestTarget(rawTarget: string): Parsed<RequestTarget> {
  if (!rawTarget.startsWith('/')) return { ok: false, reason: 'the request target must be a path starting with "/"' };
  const questionMark = rawTarget.indexOf('?');
  const rawPath = questionMark === -1 ? rawTarget : rawTarget.slice(0, questionMark);
  const query = questionMark === -1 ? '' : rawTarget.slice(questionMark + 1);
  if (/[\u0000-\u001f\u007f#]/.test(query)) return { ok: false, reason: 'the query holds a control character or "#"' };
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '') continue;
    const decoded = decodeSegment(segment);
    if (decoded === undefined) return { ok: false, reason: 'a path segment is not valid percent-encoding' };
    if (FORBIDDEN_IN_SEGMENT.test(segment) || FORBIDDEN_IN_SEGMENT.test(decoded)) {
      return { ok: false, reason: 'a path segment holds a slash, backslash or control character' };
    }
    if (decoded === '.') continue;
    if (decoded === '..') return { ok: false, reason: 'a path segment is ".."' };
    segments.push(segment);
  }
  return { ok: true, value: { segments, query, trailingSlash: rawPath.length > 1 && rawPath.endsWith('/') } };
}

/** Checks a configured upstream once: an absolute http(s) URL. Its query and fragment are not used. */
export function parseUpstream(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`The ${name} upstream "${value.slice(0, 200)}" is not a URL such as https://api.openai.com.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`The ${name} upstream must be an http:// or https:// URL (got ${url.protocol}).`);
  return url;
}

/** The upstream's path with exactly one '/' at its end: '/' or '/api/'. */
function basePath(upstream: URL): string {
  return `${upstream.pathname.replace(/\/+$/, '')}/`;
}

/**
 * The URL to forward to: the upstream's origin and path, then `segments`, then the query. Returns a
 * refusal reason if the result would leave the upstream's origin or path (it cannot, given
 * checked segments; the check makes that a fact of this function rather than of its callers).
 */
export function upstreamUrl(upstream: URL, segments: readonly string[], query: string, trailingSlash = false): Parsed<URL> {
  const base = basePath(upstream);
  const target = new URL(upstream.href);
  target.hash = '';
  target.pathname = `${base}${segments.join('/')}${trailingSlash && segments.length > 0 ? '/' : ''}`;
  target.search = query === '' ? '' : `?${query}`;
  if (target.origin !== upstream.origin) {
    return { ok: false, reason: 'the path would leave the upstream' };
  }
  if (!target.pathname.startsWith(base) && `${target.pathname}/` !== base) {
    return { ok: false, reason: "the path would leave the upstream's path" };
  }
  return { ok: true, value: target };
}
