// Reference OAuth server for the benchmark: oidc-provider with its built-in in-memory store,
// one confidential client doing client_credentials, and token introspection.
// Listens on http://127.0.0.1:$PORT (default 3290) and prints READY once it accepts requests.
process.env.NODE_ENV ??= 'production';

// The library prints notices (development keys, in-memory store, Node.js version) through
// console.info/console.warn, some of them at import time: mute those before loading it.
console.info = () => {};
console.warn = () => {};

const { default: Provider } = await import('oidc-provider');

const port = Number(process.env.PORT || 3290);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    // Credentials go in the form body; the same method applies to introspection.
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'read',
  }],
  scopes: ['read'],
  features: {
    clientCredentials: { enabled: true },
    // Any authenticated client may introspect (the library's default policy, stated here).
    introspection: { enabled: true, allowedPolicy: async () => true },
    // No browser sign-in pages: only machine-to-machine grants are used.
    devInteractions: { enabled: false },
    // Left on (the default): a request without a `resource` parameter gets an opaque token
    // kept in the store, which is what introspection then looks up.
    resourceIndicators: { enabled: true },
  },
});

// Plain HTTP on loopback, no reverse proxy in front.
provider.proxy = false;

// Errors are counted by the load tool from status codes; do not log per request.
provider.on('server_error', () => {});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write('READY\n');
});
