// Types for the parts of Akamai's EdgeAuth library (npm akamai-edgeauth, untyped) the verifier uses.
declare module 'akamai-edgeauth' {
  export default class EdgeAuth {
    constructor(options: { key: string; startTime?: number | undefined; endTime?: number; windowSeconds?: number; sessionId?: string | undefined; algorithm?: string });
    generateACLToken(acl: string): string;
    generateURLToken(url: string): string;
  }
}
