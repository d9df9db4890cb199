// Where a registry domain is reached: Docker Hub's API host, and HTTPS unless the host is loopback
// or the user marked it insecure.

const loopback = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The host name without its port (`[::1]:5000` → `[::1]`). */
function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(0, domain.indexOf(']') + 1);
  const colon = domain.lastIndexOf(':');
  return colon === -1 ? domain : domain.slice(0, colon);
}

/** True when plain HTTP is allowed: loopback hosts, or a domain (with or without port) listed as insecure. */
export function isInsecureAllowed(domain: string, insecureRegistries: readonly string[]): boolean {
  const host = hostOf(domain);
  return loopback.has(host) || insecureRegistries.includes(domain) || insecureRegistries.includes(host);
}

/** The base URL of a registry's API for a normalised reference domain. */
export function registryBaseUrl(domain: string, insecureRegistries: readonly string[] = []): string {
  if (domain === 'docker.io') return 'https://registry-1.docker.io';
  return `${isInsecureAllowed(domain, insecureRegistries) ? 'http' : 'https'}://${domain}`;
}
