import { concierge } from '../errors.ts';

/** Long enough for "Living room TV (upstairs)", short enough for one line of an account page. */
export const MAX_LABEL_LENGTH = 64;

/**
 * What the user calls the device, as the TV sent it at sign-in; undefined when it sent none.
 * The web account page shows it to the account's owner, so it is bounded, and control and
 * format characters (newlines, zero-width joiners, bidi overrides that would reorder the text
 * around it) are refused rather than shown. It is text, stored and answered exactly as sent:
 * `<b>Kids</b>` is a label of eleven characters, not markup. The BFF renders it in no HTML (GraphQL
 * answers it in JSON), so escaping here would only show `&lt;b&gt;` to every client that encodes,
 * as each must (README, Sign-in).
 */
export function deviceLabel(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw concierge('BAD_USER_INPUT', '`label` must be a string.');
  const label = raw.trim();
  if (label === '') return undefined;
  if ([...label].length > MAX_LABEL_LENGTH) throw concierge('BAD_USER_INPUT', `\`label\` may be at most ${MAX_LABEL_LENGTH} characters.`);
  if (/[\p{Cc}\p{Cf}]/u.test(label)) throw concierge('BAD_USER_INPUT', '`label` may not contain control or formatting characters.');
  return label;
}
