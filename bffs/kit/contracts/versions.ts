import semver from 'semver';

/**
 * Which app versions a client still supports. Retiring a version is a one-line change here:
 * raise `minimum`, or drop it from `versions`.
 */
export interface ClientVersionPolicy {
  /**
   * Apps always send their version (mobile, TV). A request without one is served as the oldest
   * supported version, so it never receives what an old app cannot parse. A client deployed with
   * its BFF (web) sets false: no header means the newest.
   */
  required: boolean;
  supported: { minimum: string } | { versions: readonly string[] };
}

/** The request headers that name the app's version: ours, then Apollo's (Apollo iOS and Kotlin send it). */
export const VERSION_HEADERS = ['x-client-version', 'apollographql-client-version'] as const;

const VERSION = /^v?(\d{1,5})\.(\d{1,5})(?:\.(\d{1,5}))?(?:[-+][0-9A-Za-z.+-]{0,40})?$/;

/**
 * A version as apps send it, normalised to `major.minor.patch`: `1.2.3`, `v1.2`, and a beta or
 * build suffix (`1.2.0-beta.3`, `1.2.0+417`) count as that release, whose documents they ship.
 * Undefined when the text is not a version.
 */
export function parseVersion(text: string): string | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  return `${Number(match[1])}.${Number(match[2])}.${Number(match[3] ?? 0)}`;
}

export const compareVersions = (a: string, b: string): number => semver.compare(a, b);

/** Whether `version` is still supported by the policy. */
export function isSupported(policy: ClientVersionPolicy, version: string): boolean {
  const { supported } = policy;
  return 'minimum' in supported ? semver.gte(version, supported.minimum) : supported.versions.includes(version);
}

/** The oldest version the policy supports: what "please update" names. */
export function minimumVersion(policy: ClientVersionPolicy): string {
  const { supported } = policy;
  return 'minimum' in supported ? supported.minimum : [...supported.versions].sort(compareVersions)[0] ?? '0.0.0';
}
