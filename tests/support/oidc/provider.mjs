// A real OpenID Connect provider for the sign-in tests: the certified `oidc-provider` (v8, node 20)
// with its development login page (any password; the login name is the account). Started by
// tests/support/oidc.py as `node provider.mjs` with the environment:
//   OIDC_PORT       port on 127.0.0.1
//   OIDC_CLIENT     JSON {client_id, client_secret, redirect_uris}
//   OIDC_ACCOUNTS   JSON {login: {name, preferred_username, klachten_roles: [...]}}
//   OIDC_AUDIENCE   the resource (intake's staff API) its JWT access tokens are issued for
//   OIDC_TOKEN_TTL  seconds an access token lives (default 3600)
// Prints "ready <issuer>" on stdout when it listens.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const audience = process.env.OIDC_AUDIENCE;
const ttl = Number(process.env.OIDC_TOKEN_TTL || 3600);
const SCOPE = 'klachten';

const claimsOf = (login) => {
  const known = accounts[login] || {};
  return {
    sub: login,
    name: known.name || login,
    preferred_username: known.preferred_username || login,
    klachten_roles: known.klachten_roles || [],
  };
};

const provider = new Provider(issuer, {
  clients: [{
    ...client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', SCOPE],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  conformIdTokenClaims: false, // name and preferred_username in the ID token too
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: SCOPE,
        audience,
        accessTokenTTL: ttl,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  ttl: { AccessToken: ttl, IdToken: ttl },
  findAccount: (ctx, id) => ({ accountId: id, claims: () => claimsOf(id) }),
  extraTokenClaims: (ctx, token) => {
    if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
    const { preferred_username, klachten_roles } = claimsOf(token.accountId);
    return { preferred_username, klachten_roles };
  },
  // Consent is the organisation's, not the staff member's: grant what the client asks for.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(`openid profile ${SCOPE}`);
    grant.addOIDCClaims(['sub', 'name', 'preferred_username']);
    grant.addResourceScope(audience, SCOPE);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
