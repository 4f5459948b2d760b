import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/repo-root.ts';

const run = promisify(execFile);
const token = (...args: string[]) => run(process.execPath, [join(repoRoot, 'scripts', 'token.ts'), ...args], { cwd: repoRoot });

describe('npm run token', () => {
  it('prints exactly one ES256 JWT with the requested claims and nothing else on stdout', async () => {
    const { stdout } = await token('--sub', 'alice', '--plan', 'premium', '--role', 'operator', '--ttl', '120');
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const claims = decodeJwt(lines[0]!);
    expect(decodeProtectedHeader(lines[0]!).alg).toBe('ES256');
    expect(claims).toMatchObject({ sub: 'alice', plan: 'premium', role: 'operator', iss: 'https://id.cascade.local', aud: 'cascade-play' });
    expect(claims.exp! - claims.iat!).toBe(120);
  });

  it('adds the optional entitlement claims when asked', async () => {
    const { stdout } = await token('--sub', 'bob', '--acct', 'family-9', '--max-height', '720', '--ad-tier', 'ad-free', '--titles', 'demo,slate', '--packages', 'kids');
    expect(decodeJwt(stdout.trim())).toMatchObject({ sub: 'bob', acct: 'family-9', max_height: 720, ad_tier: 'ad-free', titles: ['demo', 'slate'], packages: ['kids'] });
  });

  it.each([
    [['--sub', 'a', '--max-height', '99999'], /--max-height must be whole pixels/],
    [['--sub', 'a', '--ad-tier', 'gold'], /--ad-tier must be ad-supported or ad-free/],
    [['--sub', 'a', '--titles', 'a,,b'], /--titles must be comma-separated ids/],
    [['--plan', 'basic'], /--sub is required/],
    [['--sub', 'a', '--plan', 'gold'], /--plan must be basic, standard or premium/],
    [['--sub', 'a', '--role', 'admin'], /--role must be viewer or operator/],
    [['--sub', 'a', '--ttl', 'soon'], /--ttl must be whole seconds/],
    [['--sub', 'a', '--ttl=0'], /--ttl must be whole seconds/],
    [['--sub', 'a', '--bogus'], /Unknown option/],
  ])('refuses %j with exit code 2 and a message naming the problem', async (args, message) => {
    const error = await token(...args).then(() => undefined, (e: { code: number; stderr: string; stdout: string }) => e);
    expect(error?.code).toBe(2);
    expect(error?.stderr).toMatch(message);
    expect(error?.stdout).toBe('');
  });
});
