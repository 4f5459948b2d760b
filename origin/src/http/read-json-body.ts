import { ProblemError } from '@cascade/common';
import type { Context } from 'hono';

/** Read a small application/json request body; every refusal says what was expected. */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ProblemError('bad-request', `content-type: expected application/json, received ${JSON.stringify(type.slice(0, 100))}`);
  const text = await c.req.text();
  if (Buffer.byteLength(text) > maxBytes) throw new ProblemError('payload-too-large', `body: expected at most ${maxBytes} bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProblemError('bad-request', `body: expected JSON, ${(error as Error).message}`);
  }
}
