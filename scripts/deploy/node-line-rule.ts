import semver from 'semver';

/**
 * The image runs the Node line package.json's engines name: the official image's tag
 * (`node:<major>-…`, from `ARG NODE_IMAGE` or a FROM) must be a line that satisfies them, so the
 * image cannot stay on a line whose support has ended while the scripts and CI moved on.
 */
export function nodeLineProblems(dockerfileText: string, engines: string): string[] {
  const images = [...dockerfileText.matchAll(/^\s*(?:ARG\s+NODE_IMAGE=|FROM\s+)(node:\S+)/gim)].map((match) => match[1]!);
  if (images.length === 0) return ['Dockerfile: no official node image (node:<major>-…) to check against package.json engines'];
  return images.flatMap((image) => {
    const major = /^node:(\d+)(?:[.-]|$)/.exec(image)?.[1];
    if (!major) return [`Dockerfile: ${image} does not name a Node major version (node:<major>-…)`];
    return semver.intersects(`${major}.x`, engines) ? [] : [`Dockerfile: ${image} runs Node ${major}, and package.json's engines want ${engines}`];
  });
}
