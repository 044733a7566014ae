// A real, certified OpenID Connect provider (oidc-provider) on loopback, for the sign-in test only.
// Any login name is accepted (its development interactions); the account's e-mail is <login>@example.com.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const oidc = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'wismo', client_secret: 'wismo-test-secret',
    redirect_uris: [process.env.REDIRECT_URI], post_logout_redirect_uris: [process.env.POST_LOGOUT_URI],
    response_types: ['code'], grant_types: ['authorization_code'],
  }],
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, email: `${id}@example.com`, email_verified: true, name: id }; } };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true } },
  conformIdTokenClaims: false,  // e-mail and name in the ID token, as Streamlit reads them
  cookies: { keys: ['wismo-test-cookie-key'] },
});
oidc.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
