// provider.js: a real OpenID Connect provider for replyd's tests, the
// `oidc-provider` package (tests/package.json) with its development
// interactions, so a test signs in as any account by typing its name.
// One client (replyd), PKCE required, ID tokens carrying Entra ID's
// claims (oid, tid, preferred_username, email, name).
//
//   node tests/oidc/provider.js --redirect URI --client-id ID
//       --client-secret SECRET --tenant TID
//
// Prints one JSON line {"port": N, "issuer": URL} once listening on
// 127.0.0.1.  /__test/... (loopback only) lets a test change an account's
// claims, make the next ID token wrong in one way (signed by another key,
// another audience, issuer or nonce, expired, another tenant), rotate
// the signing key, count what replyd fetched, and reset all that.
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}

const tenant = args.tenant || 'tenant-1';
const accounts = new Map();   // id -> claim overrides
const stats = { discovery: 0, jwks: 0, token: 0 };
let tamper = null;            // how to spoil the next ID token
let keys = [];                // private JWKs, the signing one first
let handler = null;
let issuer = null;

// A stable Entra-like object id for an account name.
function oidFor(id) {
  const h = createHash('sha256').update(`oid:${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function claimsFor(id) {
  const email = `${id}@example.gov.uk`;
  return {
    sub: createHash('sha256').update(`sub:${id}`).digest('hex').slice(0, 32),
    oid: oidFor(id),
    tid: tenant,
    email,
    preferred_username: email,
    name: id,
    ...(accounts.get(id) || {}),
  };
}

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

// Spoil an ID token the way the test asked, re-signing it with the
// provider's own key (or, for "signature", a stranger's under its kid).
async function spoil(idToken, mode) {
  const header = jose.decodeProtectedHeader(idToken);
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = keys.find((k) => k.kid === header.kid);
  switch (mode) {
    case 'signature': key = { ...(await newKey()), kid: header.kid }; break;
    case 'audience': claims.aud = 'someone-else'; break;
    case 'issuer': claims.iss = 'http://127.0.0.1:1/not-the-issuer'; break;
    case 'nonce': claims.nonce = 'not-the-nonce'; break;
    case 'expired': claims.iat = now - 3600; claims.exp = now - 600; break;
    case 'tenant': claims.tid = 'another-tenant'; break;
    default: throw new Error(`unknown tamper mode ${mode}`);
  }
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: header.typ })
    .sign(await jose.importJWK(key, 'RS256'));
}

function makeProvider() {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: [args.redirect],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    pkce: { required: () => true },
    claims: {
      openid: ['sub', 'oid', 'tid'],
      email: ['email'],
      profile: ['name', 'preferred_username'],
    },
    // Entra ID puts these claims in the ID token itself.
    conformIdTokenClaims: false,
    scopes: ['openid', 'email', 'profile'],
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => claimsFor(id),
    }),
    // A first-party client: no consent screen.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    jwks: { keys },
    cookies: { keys: ['replyd-tests-cookie-key'] },
    features: { devInteractions: { enabled: true } },
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token, tamper) };
      tamper = null;
    }
  });
  return provider.callback();
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body ? JSON.parse(body) : {};
}

async function control(req, res) {
  const send = (code, obj) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(obj));
  };
  const body = req.method === 'POST' ? await readJson(req) : {};
  if (req.url === '/__test/account') {
    const { id, ...claims } = body;
    accounts.set(id, claims);
    return send(200, claimsFor(id));
  }
  if (req.url === '/__test/tamper') {
    tamper = body.mode;
    return send(200, { tamper });
  }
  if (req.url === '/__test/rotate') {
    keys = [await newKey(), ...keys];
    handler = makeProvider();
    return send(200, { kids: keys.map((k) => k.kid) });
  }
  if (req.url === '/__test/stats') return send(200, stats);
  if (req.url === '/__test/reset') {
    // As just started, for the next test: its first key, no changed
    // account, nothing spoiled or counted, a provider with no session.
    accounts.clear();
    Object.assign(stats, { discovery: 0, jwks: 0, token: 0 });
    tamper = null;
    keys = keys.slice(-1);
    handler = makeProvider();
    return send(200, { kids: keys.map((k) => k.kid) });
  }
  return send(404, { error: 'no such control' });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/__test/')) {
    control(req, res).catch((e) => { res.writeHead(500); res.end(String(e)); });
    return;
  }
  if (req.url.startsWith('/.well-known/openid-configuration')) stats.discovery += 1;
  if (req.url.startsWith('/jwks')) stats.jwks += 1;
  if (req.url.startsWith('/token')) stats.token += 1;
  handler(req, res);
});

keys = [await newKey()];
server.listen(Number(args.port || 0), '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  handler = makeProvider();
  process.stdout.write(`${JSON.stringify({ port, issuer })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
