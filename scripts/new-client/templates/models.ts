/** bffs/<name>/models.ts: Home's fields resolve one by one, so its parent is empty (bffs/clients.ts maps Home to it). */
export const modelsTemplate = () => `/** Parents of resolvers whose fields are resolved lazily, field by field. */
export type HomeModel = Record<string, never>;
`;

/** The GraphQL types bffs/clients.ts lists as mapped to models.ts for the new client. */
export const MAPPED_TYPES = ['Home'] as const;
