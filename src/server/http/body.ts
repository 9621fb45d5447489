/**
 * Reading a request body within a size and a time limit. A body over the
 * limit is still read to its end (up to `drainBytes`) and dropped, so that
 * the client, still sending, gets our 413 rather than a broken pipe; only a
 * body past `drainBytes` is cut short.
 */
import type { IncomingMessage } from 'node:http';
import { errorAnswer, type HttpAnswer } from './answer';

export interface BodyLimits {
  /** largest body accepted */
  maxBytes: number;
  /** an oversized body is read and dropped up to this much; past it the connection is cut */
  drainBytes: number;
  /** the whole body must arrive within this time, counted from its headers */
  timeoutMs: number;
}

/** The body's text, or the answer that refuses it (`null`: the client went away). */
export type BodyOutcome = { ok: true; text: string } | { ok: false; answer: HttpAnswer | null };

export function tooLargeAnswer(maxBytes: number): HttpAnswer {
  const message = `Request body is larger than ${maxBytes} bytes`;
  return errorAnswer(413, 'body_too_large', message, true);
}

/** True when the declared Content-Length alone is over the limit. */
export function declaredTooLarge(req: IncomingMessage, maxBytes: number): boolean {
  return Number(req.headers['content-length']) > maxBytes;
}

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declaredTooLarge(req, limits.maxBytes);
    const finish = (outcome: BodyOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      const seconds = limits.timeoutMs / 1000;
      const message = `The request body did not arrive within ${seconds} s`;
      finish({ ok: false, answer: errorAnswer(408, 'body_timeout', message, true) });
    }, limits.timeoutMs);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes && !tooLarge) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (size > limits.drainBytes) {
        req.pause(); // no more reading: the answer closes the connection
        return finish({ ok: false, answer: tooLargeAnswer(limits.maxBytes) });
      }
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return finish({ ok: false, answer: tooLargeAnswer(limits.maxBytes) });
      finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', () => finish({ ok: false, answer: null }));
    req.on('close', () => {
      if (!req.complete) finish({ ok: false, answer: null });
    });
  });
}
