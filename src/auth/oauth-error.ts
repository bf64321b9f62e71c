/**
 * OAuth token endpoint errors. RFC 6749 §5.2 fixes their body — `{ error, error_description }`
 * JSON, not an OperationOutcome — so `onError` answers them in that form; their status is their
 * code's (400, or 401 for `invalid_client`), from the one table in src/errors.
 */
import { PriorgateError } from '../errors/index.ts';

export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

export class OAuthError extends PriorgateError {
  override name = 'OAuthError';
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    status: 400 | 401 = error === 'invalid_client' ? 401 : 400,
  ) {
    super(status === 401 ? 'unauthorized' : 'invalid', description);
  }
}
