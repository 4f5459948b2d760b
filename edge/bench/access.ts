// npm run bench:access: what authorization costs per request at the edge.
//   viewer_jwt_verify_us:   a manifest request's viewer-JWT check (viewerVerifier: jose + claims + size limit)
//   hot_segment_auth_us:    a segment request's session-token check once the token was verified (cache hit + expiry + scope)
//   jose_jwtverify_us:      the baseline: jose jwtVerify on every request, as if segments carried the viewer JWT
// The same WebCrypto code the Worker runs, run here on Node (workerd has no benchmark harness); both use V8
// and BoringSSL/OpenSSL-backed WebCrypto, so the ratio is what carries over, the absolute µs roughly so.
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { writeBenchReport } from '../../scripts/bench/bench-report.ts';
import { compareAsync } from '../../scripts/bench/measure.ts';
import { viewerVerifier } from '../src/auth/viewer-auth.ts';
import { SessionTokens } from '../src/session/session-token.ts';

const ISSUER = 'https://id.bench.local';
const AUDIENCE = 'cascade-play';
const HOT_SESSIONS = 1000;

const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] };
const keys = createLocalJWKSet(jwks);
const viewerToken = await new SignJWT({ plan: 'premium', acct: 'family-1', max_height: 1080 })
  .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
  .setSubject('viewer-1').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1h')
  .sign(privateKey);

const verifyViewer = viewerVerifier({ keys, issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], clockToleranceSeconds: 30, maxTokenBytes: 8192 });
const joseOptions = { algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE, clockTolerance: 30 };

const secret = crypto.getRandomValues(new Uint8Array(32));
const sessions = new SessionTokens({ keys: [{ kid: 'k1', secret }], cacheSize: 10_000 });
// Many concurrent sessions in one isolate, each verified once (its first segment), then hot.
const sessionTokens: string[] = [];
for (let i = 0; i < HOT_SESSIONS; i++) {
  const token = await sessions.sign({ sid: `s${i}`, sub: `viewer-${i}`, acct: `acct-${i}`, ctry: 'IN', scope: 'live/ipl-final/', ttlSeconds: 21_600 });
  await sessions.verify(token, 'live/ipl-final/video-720p-00001.m4s');
  sessionTokens.push(token);
}
let next = 0;
const segmentPath = 'live/ipl-final/video-720p-04211.m4s';

const cold = new SessionTokens({ keys: [{ kid: 'k1', secret }], cacheSize: 1 });
let coldNext = 0;

const measured = await compareAsync(
  {
    viewer_jwt: () => verifyViewer(viewerToken),
    jose_baseline: () => jwtVerify(viewerToken, keys, joseOptions),
    hot_segment: () => sessions.verify(sessionTokens[next++ % HOT_SESSIONS]!, segmentPath),
    // Every call misses the one-entry cache: the HMAC verification a token pays once per isolate.
    cold_session: () => cold.verify(sessionTokens[coldNext++ % HOT_SESSIONS]!, segmentPath),
  },
  { rounds: 15, iterations: 1000 },
);

const viewer = measured['viewer_jwt']!.usPerOp;
const jose = measured['jose_baseline']!.usPerOp;
const hot = measured['hot_segment']!.usPerOp;
const coldUs = measured['cold_session']!.usPerOp;

writeBenchReport(
  'access',
  [
    { name: 'viewer_jwt_verify_us', value: viewer, unit: 'µs/op' },
    { name: 'jose_jwtverify_us', value: jose, unit: 'µs/op' },
    { name: 'hot_segment_auth_us', value: hot, unit: 'µs/op', target: '<= 5' },
    { name: 'jose_vs_hot_segment_auth', value: jose / hot, unit: 'ratio', target: '>= 10' },
    { name: 'viewer_jwt_vs_jose', value: viewer / jose, unit: 'ratio' },
    { name: 'cold_session_token_verify_us', value: coldUs, unit: 'µs/op' },
  ],
  {
    runtime: 'Node (the edge code and WebCrypto calls the Worker runs; workerd has no benchmark harness)',
    algorithm: 'viewer JWT ES256 (P-256); session token HMAC-SHA256',
    hot_sessions: HOT_SESSIONS,
    measurement: 'median of 15 interleaved rounds of 1000 awaited calls each (scripts/bench/measure.ts compareAsync)',
  },
);
