// k6 provides `console` (log, info, warn, error, debug) to scripts; @types/k6 does not declare it,
// and the DOM lib would wrongly declare much more.
declare const console: {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
};
