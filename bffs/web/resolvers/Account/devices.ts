import type { AccountResolvers } from '../../generated/resolvers.generated.ts';

/** The viewer's signed-in TVs, from the session store (no downstream service): the context binds it to the viewer. */
export const devices: AccountResolvers['devices'] = (_, __, { devices }) => devices.list();
