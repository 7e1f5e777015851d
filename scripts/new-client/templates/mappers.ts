import type { NewClient } from '../names.ts';

/** bffs/<name>/mappers/profile.ts: the users service's user → the client's Profile. */
export const profileMapperTemplate = ({ pascal }: NewClient) => `import type { Profile } from '../generated/resolvers.generated.ts';
import type { ${pascal}Viewer } from '../needs.ts';

export const toProfile = (user: ${pascal}Viewer): Profile => ({
  name: user.profile.name,
});
`;

/** bffs/<name>/mappers/row-item.ts: a catalog title → a RowItem, with the kit's presentation helpers. */
export const rowItemMapperTemplate = ({ pascal }: NewClient) => `import { pickImage, truncate } from '../../kit/index.ts';
import type { RowItem } from '../generated/resolvers.generated.ts';
import type { ${pascal}Title } from '../needs.ts';

/** Small screens: the smallest square thumbnail at least this wide. */
const THUMBNAIL_WIDTH = 200;
export const TITLE_LIMIT = 24;

export const toRowItem = (title: ${pascal}Title): RowItem => ({
  contentId: title.id,
  title: truncate(title.name, TITLE_LIMIT),
  thumbnail: pickImage(title.images.thumbnail1x1, THUMBNAIL_WIDTH),
  kind: title.type === 'series' ? 'SERIES' : 'MOVIE',
});
`;
