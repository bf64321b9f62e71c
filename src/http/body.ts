/**
 * Request bodies on the hot paths, read from Node's own request stream.
 *
 * On @hono/node-server, `c.req.raw` is a stand-in that becomes a WHATWG Request (undici's, with the
 * body piped into a web ReadableStream) the first time anything asks for its body. Hono's
 * `bodyLimit` asks on every request with a body, and `c.req.text()` then reads it through that
 * stream. For a PAS Bundle that is a good part of the framework's cost of a `$submit`, for bytes
 * Node already holds in its IncomingMessage.
 *
 * - `bodyLimit`: a body that declares its length is judged by that header alone, as Hono's
 *   middleware judges it, without building the Request (Node's HTTP parser never delivers more
 *   bytes than the header says); a request with neither length nor chunked encoding has no body
 *   (every GET). A chunked body is left to Hono's middleware, which counts the bytes as they come.
 * - `requestText`: the body as text, read from the IncomingMessage when nothing else has started
 *   reading it, else through `c.req.text()`. Decoded as `Request.text()` decodes (UTF-8, a leading
 *   byte-order mark dropped, malformed bytes replaced), and kept where `c.req.text()`/`json()` find
 *   it, so a later reader gets the same text.
 *
 * Under `app.request()` (tests) there is no IncomingMessage: both fall back to Hono's own way.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';

type NodeEnv = { incoming?: IncomingMessage } | undefined;

/** The Node request behind `c` (@hono/node-server's `env.incoming`), if there is one. */
function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as NodeEnv)?.incoming;
  return incoming && typeof incoming.on === 'function' ? incoming : undefined;
}

/** The Node request behind `c`, if it is one and no one has started reading its body. */
function unreadIncoming(c: Context): IncomingMessage | undefined {
  const incoming = nodeRequest(c);
  if (!incoming) return undefined;
  // A web stream piped from it (the Request built), an earlier reader, or the end already seen.
  if (incoming.readableDidRead || incoming.readableEnded || incoming.listenerCount('data') > 0 || incoming.listenerCount('readable') > 0) return undefined;
  return incoming;
}

/** Refuses a body over `maxBytes` with `onError` (which throws or answers). */
export function bodyLimit(maxBytes: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const counting = honoBodyLimit({ maxSize: maxBytes, onError });
  return async (c, next) => {
    const incoming = nodeRequest(c);
    if (!incoming || incoming.headers['transfer-encoding'] !== undefined) return counting(c, next);
    const length = incoming.headers['content-length'];
    // Neither header: no body at all (RFC 9112 §6.3), as for every GET.
    if (length === undefined) return next();
    // Node refuses a malformed Content-Length (400) before any route; what arrives is digits.
    if (Number(length) > maxBytes) return onError(c);
    await next();
  };
}

const utf8 = new TextDecoder('utf-8');

/** The request body as text (see the module comment). */
export async function requestText(c: Context): Promise<string> {
  // Hono keeps each reading's promise here (typed as the Body it reads, held as promises).
  const cache = c.req.bodyCache as { text?: Promise<string> };
  if (cache.text) return cache.text;
  const incoming = unreadIncoming(c);
  if (!incoming) return c.req.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
  }
  const text = utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  cache.text = Promise.resolve(text);
  return text;
}
