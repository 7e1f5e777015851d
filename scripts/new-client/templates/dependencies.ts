import type { NewClient } from '../names.ts';

/** bffs/<name>/dependencies.ts: what each field reads, and what is critical. */
export const dependenciesTemplate = ({ name, constant }: NewClient) => `import type { DependencyMap } from '../kit/index.ts';

/** What each ${name} field reads. Only the profile is critical: home is not drawn without it. */
export const ${constant}_DEPENDENCIES: DependencyMap = {
  'Home.profile': { services: ['users'], critical: true },
  'Home.row': { services: ['recommendations', 'catalog'], critical: false },
};
`;
