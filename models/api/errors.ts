/**
 * The API's errors: a code the UI can choose by, and words a technician can read. Part of the API
 * contract (models/api/contract.ts re-exports it).
 */

/**
 * The codes an API error carries. 'refused': the node answered NACK (the message gives its reason
 * in plain words); 'unsupported': the node's firmware does not offer this (its HELLO capabilities).
 */
export const API_ERROR_CODES = ['bad-request', 'not-found', 'port-busy', 'port-failed', 'timeout', 'refused', 'unsupported', 'internal'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function isApiErrorCode(x: unknown): x is ApiErrorCode {
  return (API_ERROR_CODES as readonly unknown[]).includes(x);
}

/** An error a technician can read; `code` lets the UI choose how to show it. */
export class ApiError extends Error {
  constructor(
    public readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
