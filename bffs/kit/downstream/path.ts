import { concierge } from '../errors.ts';
import { MAX_ID_LENGTH } from '../input-limits.ts';

/**
 * The id alphabet: every id the services hand out (`u_61`, `t_42`, `tt0000001`, genre slugs) is
 * letters, digits, `_` and `-`, at most MAX_ID_LENGTH of them. Nothing in it means anything in a URL path,
 * so an id never needs encoding and can never be `.`, `..`, a `/` or a `%2F`: a value a client
 * sent cannot climb out of its segment and reach another route of the service.
 */
const ID = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_ID_LENGTH}}$`);

/**
 * A downstream path from its route template (`/my-list/:userId/:contentId`) and the values of
 * its `:name` segments. This is the one place ids go into downstream paths (http-client.ts
 * builds every call's path here), so a value outside the id alphabet is refused once, for every
 * service, with 400 BAD_USER_INPUT naming the segment (a field error when the request ran), and
 * no call is made.
 */
export function pathOf(route: string, params: Readonly<Record<string, string>> = {}): string {
  return route.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route}: no value for :${name}`);
    if (!ID.test(value)) throw concierge('BAD_USER_INPUT', `${name} ${JSON.stringify(String(value).slice(0, MAX_ID_LENGTH))} is not an id.`);
    return value;
  });
}
