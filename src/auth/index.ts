export { PROVIDER_SCOPES, allows, grantScopes, parseScope } from './scopes.ts';
export { createSigningKey, loadKeyRing, TOKEN_ALG, type KeyRing } from './keys.ts';
export { authenticateClient, mintAccessToken, tokenIssuer, CLIENT_ASSERTION_ALGS, type AccessClaims, type TokenResponse } from './token.ts';
export { requireAuth, requireScope, verifyAccessToken, type KeyRingHolder } from './middleware.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
