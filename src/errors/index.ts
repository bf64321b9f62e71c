/**
 * Errors: one base (`PriorgateError`) with a code from one closed list, mapped in one place to an
 * OperationOutcome and HTTP status, or to an exit code (map.ts). Other modules import this file only.
 */
export { ANSWER_CODES, ERROR_CODES, EXIT, FAULT_CODES, isAnswerCode, type AnswerCode, type ErrorCode, type FaultCode } from './codes.ts';
export { AppError, IssuesError, PriorgateError, type ErrorDetail, type ErrorIssue } from './base.ts';
export { httpStatusOf, toExitCode, toHttpError, toOperationOutcome, type HttpError } from './map.ts';
