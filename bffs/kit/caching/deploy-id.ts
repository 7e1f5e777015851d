import { hash } from 'node:crypto';

/**
 * The deploy a cached answer belongs to: `DEPLOY_ID` when the platform sets one (an image tag, a
 * commit), and the schema's hash with it, so a schema change starts a clean cache even when
 * nobody set it. Replicas of one deploy agree on it, so they share their answers in Redis.
 */
export function deployIdOf(typeDefs: string, deployId: string | undefined): string {
  return hash('sha1', `${deployId ?? ''}\n${typeDefs}`, 'base64url').slice(0, 12);
}
