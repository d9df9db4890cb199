// Turns a registry's error answer (status + the distribution spec's `{"errors":[…]}` body) into one
// clear RuntimeError that names the image.

import { type ErrorCode, RuntimeError } from '../errors.js';

interface DistributionError {
  code?: string;
  message?: string;
}

function parseBody(text: string): DistributionError[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(body.errors))
      return body.errors.filter((e): e is DistributionError => typeof e === 'object');
  } catch {
    // not a distribution error body (a proxy's HTML page, or nothing)
  }
  return [];
}

const codeFor: Record<string, ErrorCode> = {
  MANIFEST_UNKNOWN: 'ERR_NOT_FOUND',
  NAME_UNKNOWN: 'ERR_NOT_FOUND',
  BLOB_UNKNOWN: 'ERR_NOT_FOUND',
  UNAUTHORIZED: 'ERR_UNAUTHORIZED',
  DENIED: 'ERR_UNAUTHORIZED',
  TOOMANYREQUESTS: 'ERR_TOO_MANY_REQUESTS',
};

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'ERR_NOT_FOUND';
  if (status === 401 || status === 403) return 'ERR_UNAUTHORIZED';
  if (status === 429) return 'ERR_TOO_MANY_REQUESTS';
  return 'ERR_REGISTRY';
}

/** `subject` names what was asked for, e.g. `manifest of 127.0.0.1:5000/hello:latest`. */
export function distributionError(status: number, bodyText: string, subject: string): RuntimeError {
  const errors = parseBody(bodyText);
  const first = errors[0];
  if (first?.code) {
    const detail = errors.map((e) => `${e.code}${e.message ? `: ${e.message}` : ''}`).join('; ');
    return new RuntimeError(
      codeFor[first.code] ?? codeForStatus(status),
      `${subject}: ${detail} (HTTP ${status})`,
    );
  }
  const reason =
    status === 404
      ? 'not found'
      : status === 401
        ? 'authentication required'
        : status === 403
          ? 'access denied'
          : 'request failed';
  return new RuntimeError(codeForStatus(status), `${subject}: ${reason} (HTTP ${status})`);
}
