import type { NewClient } from '../names.ts';

/** bffs/<name>/needs.ts: the sparse fieldsets, and the context type codegen names. */
export const needsTemplate = ({ name, pascal, constant }: NewClient) => `import type { SparseTitle, TitleField, User, UserField, BffContext } from '../kit/index.ts';

/** The only fields ${name} reads: the catalog and the users service send nothing else. */
const titleFields = ['name', 'type', 'images'] as const satisfies readonly TitleField[];
const userFields = ['profile'] as const satisfies readonly UserField[];

export const ${constant}_NEEDS = { titleFields, userFields };

export type ${pascal}Title = SparseTitle<(typeof titleFields)[number]>;
export type ${pascal}Viewer = Pick<User, (typeof userFields)[number] | 'id'>;
export type ${pascal}Context = BffContext<(typeof titleFields)[number], (typeof userFields)[number]>;
`;
