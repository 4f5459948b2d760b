export { ErrorCodes, isErrorCode, type ErrorCode } from './error-codes.ts';
export { ProblemError, PROBLEM_CONTENT_TYPE, type ProblemBody } from './problem-error.ts';
export { parseMediaPath, parseId } from './media-path.ts';
