import type { Readable } from 'node:stream';

/**
 * Buffer a whole body, giving up (and destroying the stream) as soon as it grows past `maxBytes`, so an
 * object without Content-Length can never make the shield hold more than one object's worth of memory.
 * Aborting `signal` destroys the stream with the signal's reason. A body cut short rejects: node
 * surfaces a premature close as an error, so a truncated object is never mistaken for a complete one.
 */
export async function readBody(body: Readable, maxBytes: number, signal: AbortSignal): Promise<Buffer | undefined> {
  const onAbort = (): void => {
    body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      total += buffer.byteLength;
      if (total > maxBytes) {
        body.destroy();
        return undefined;
      }
      chunks.push(buffer);
    }
    return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, total);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
