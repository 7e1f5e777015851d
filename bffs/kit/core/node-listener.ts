import type { IncomingMessage, ServerResponse } from 'node:http';

/** What node:http serves: a BFF's assembled listener (the fast lane, yoga's, and the door before both). */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;
