import { constantName, pascalName } from '../../bffs/clients.ts';

/** One new client's name in every spelling the templates need, and its port. */
export interface NewClient {
  /** `watch`: directories, file names, the registry. */
  name: string;
  /** `Watch`: `createWatchBff`, `WatchContext`, `WatchHome`. */
  pascal: string;
  /** `WATCH`: `WATCH_POLICY`, `WATCH_PORT`. */
  constant: string;
  port: number;
}

export const newClient = (name: string, port: number): NewClient => ({ name, pascal: pascalName(name), constant: constantName(name), port });
