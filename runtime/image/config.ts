// The image config blob (OCI / Docker): platform, run defaults and creation time.

import { RuntimeError } from '../errors.js';

export interface ImageConfig {
  os?: string;
  architecture?: string;
  variant?: string;
  created?: string;
  config?: {
    Entrypoint?: string[];
    Cmd?: string[];
    Env?: string[];
    WorkingDir?: string;
    Labels?: Record<string, string>;
  };
  [key: string]: unknown;
}

export function parseImageConfig(bytes: Uint8Array, subject: string): ImageConfig {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as ImageConfig;
  } catch {
    // reported below
  }
  throw new RuntimeError('ERR_BAD_MANIFEST', `${subject}: config is not a JSON object`);
}
