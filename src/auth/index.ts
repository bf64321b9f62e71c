export { PROVIDER_SCOPES, allows, grantScopes, parseScope } from './scopes.ts';
export { allPublicKeys, createSigningKey, loadKeyRing, TOKEN_ALG, type KeyRing } from './keys.ts';
export { authenticateClient, mintAccessToken, tokenIssuer, CLIENT_ASSERTION_ALGS, FORBIDDEN_JOSE_HEADERS, type AccessClaims, type TokenResponse } from './token.ts';
export { clientKeys, type ClientKeys, type ClientKeysOptions } from './client-keys.ts';
export { requireAuth, requireScope, verifyAccessToken, type KeyRingHolder } from './middleware.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { clientAllows, setClientEnabled } from './client-status.ts';
export { OAuthError, type OAuthErrorCode } from './oauth-error.ts';
