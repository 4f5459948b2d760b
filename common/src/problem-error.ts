import { ErrorCodes, type ErrorCode } from './error-codes.ts';

/** RFC 9457 problem details, with our stable `code` as the machine-readable key. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
// A URN rather than a URL: the project owns no domain; README "Error codes" documents each code.
const TYPE_BASE = 'urn:cascade:problem:';

/** The one error class every tier throws; rendered as application/problem+json in one place per tier. */
export class ProblemError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(detail ?? ErrorCodes[code].title);
    this.name = 'ProblemError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.extensions = extensions;
  }

  toBody(instance?: string): ProblemBody {
    const body: ProblemBody = {
      ...this.extensions,
      type: TYPE_BASE + this.code,
      title: ErrorCodes[this.code].title,
      status: this.status,
      code: this.code,
      detail: this.message,
    };
    if (instance !== undefined) body.instance = instance;
    return body;
  }

  toResponse(instance?: string, headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(this.toBody(instance)), {
      status: this.status,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
    });
  }
}
