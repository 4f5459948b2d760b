// The reference parsers ship without type declarations; tests only walk their output generically.
declare module 'm3u8-parser' {
  export class Parser {
    manifest: Record<string, unknown>;
    push(chunk: string): void;
    end(): void;
  }
}

declare module 'mpd-parser' {
  export function parse(
    manifest: string,
    options?: { manifestUri?: string; NOW?: number; clientOffset?: number },
  ): Record<string, unknown>;
}
