import type { NewClient } from '../names.ts';

/** bffs/<name>/needs.ts: the sparse fieldsets, and the context type codegen names. */
export const needsTemplate = ({ name, pascal, constant }: NewClient) => `import type { SparseTitle, TitleField } from '../kit/downstream/services/catalog.ts';
import type { User, UserField } from '../kit/downstream/services/users.ts';
import type { BffContext } from '../kit/server/context.ts';

/** The only fields ${name} reads: the catalog and the users service send nothing else. */
const titleFields = ['name', 'type', 'images'] as const satisfies readonly TitleField[];
const userFields = ['profile'] as const satisfies readonly UserField[];

export const ${constant}_NEEDS = { titleFields, userFields };

export type ${pascal}Title = SparseTitle<(typeof titleFields)[number]>;
export type ${pascal}Viewer = Pick<User, (typeof userFields)[number] | 'id'>;
export type ${pascal}Context = BffContext<(typeof titleFields)[number], (typeof userFields)[number]>;
`;
