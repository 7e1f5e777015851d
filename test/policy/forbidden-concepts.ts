/**
 * What each client's schema must never express (product.md, "Clients and what they show").
 * schema-policy.test.ts walks every type, field, argument, enum value and input field of
 * schemas/<client>.graphql and fails on any name a rule matches.
 *
 * How names are matched: a schema name is first spelled as lower-case words separated by
 * spaces (`drmLicenseUrl` → `drm license url`, `CastMember` → `cast member`, `PLAYREADY` →
 * `playready`, `billing_address` → `billing address`). Patterns use \b on those words, so
 * /\bcast\b/ catches `cast`, `castList` and `CastMember` but not `broadcast`, and
 * /\bbilling address\b/ does not care whether the schema spells it camelCase or snake_case.
 *
 * Patterns are about names, not descriptions: a description may well say "not the full
 * synopsis". The one exception is mobile's synopsis (see `describedAs`).
 */

import { CLIENT_NAMES, type ClientName } from '../../bffs/clients.ts';

/**
 * Every client of bffs/clients.ts. FORBIDDEN below is keyed by all of them, so a new client does
 * not typecheck until it states what it must never expose.
 */
export const CLIENTS = CLIENT_NAMES;
export type Client = ClientName;

export interface ForbiddenConcept {
  /** product.md's words for it, used in failure messages. */
  concept: string;
  /** Tested against the name spelled as words (see `nameAsWords`). */
  names: RegExp[];
  /**
   * A field whose name matches `field` is allowed only if its description matches
   * `description`: for a concept that shares its name with an allowed, reduced form.
   */
  describedAs?: { field: RegExp; description: RegExp; explain: string };
}

/** `drmLicenseUrl` → `drm license url`; `DRMLicenseURL` → `drm license url`; `SMS_OPT_IN` → `sms opt in`. */
export function nameAsWords(name: string): string {
  return name
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_\-\s]+/g, ' ')
    .trim()
    .toLowerCase();
}

// Concepts several clients share, written once.

const BILLING: ForbiddenConcept = {
  concept: 'billing or payment methods',
  names: [/\bbilling\b/, /\bpayments?\b/, /\binvoices?\b/, /\b(price|pricing)\b/, /\b(credit|debit) cards?\b/, /\blast ?4\b/, /\bcard brand\b/],
};

const EMAIL: ForbiddenConcept = {
  concept: 'email',
  names: [/\be ?mails?\b/, /\bemail address\b/],
};

const BILLING_ADDRESS: ForbiddenConcept = {
  concept: 'billing address',
  names: [/\b(billing|postal|street|mailing|home) address\b/, /\bpostal code\b/, /\bzip( code)?\b/, /\baddress line( ?\d)?\b/, /\bline ?[12]\b/],
};

const REVIEWS: ForbiddenConcept = {
  concept: 'reviews',
  // `maturityRating` is allowed everywhere: only ratings that come from reviews are matched.
  names: [/\breviews?\b/, /\breviewers?\b/, /\b(average|star|user|critic|audience) ratings?\b/, /\bcritic score\b/],
};

const DRM_LICENCE_URLS: ForbiddenConcept = {
  concept: 'DRM licence URLs',
  names: [/\bdrm\b/, /\blicen[cs]es?\b/, /\b(widevine|playready|fairplay)\b/, /\bkey ?id\b/],
};

export const FORBIDDEN: Record<Client, ForbiddenConcept[]> = {
  mobile: [
    { concept: 'cast or crew', names: [/\bcast\b/, /\bcrew\b/, /\bactors?\b/, /\bdirectors?\b/, /\bstarring\b/] },
    REVIEWS,
    BILLING,
    EMAIL,
    BILLING_ADDRESS,
    {
      concept: 'the hero image',
      // Mobile has no hero at all: the only hero the catalog has is the 1920x1080 (and 4K) image.
      names: [/\bhero\b/, /\bbackdrop\b/, /\bbanner image\b/],
    },
    DRM_LICENCE_URLS,
    {
      concept: 'the full synopsis',
      // Mobile may show a synopsis, but only the cut one. A field that names the long form is
      // forbidden outright; a field called synopsis must say in its description that it is cut
      // to 120 characters, so the schema states the contract the mapper keeps.
      names: [/\b(full|long|complete|raw|original|untruncated) (synopsis|description|overview|plot)\b/, /\bplot summary\b/],
      describedAs: {
        field: /\bsynopsis\b/,
        description: /\bat most 120 characters\b/i,
        explain: 'a mobile synopsis field must be the cut one, and its description must say "At most 120 characters"',
      },
    },
  ],
  tv: [
    BILLING,
    EMAIL,
    BILLING_ADDRESS,
    REVIEWS,
    // The crew is not named by product.md for TV: only the cast list is forbidden there.
    { concept: 'the cast list', names: [/\bcast\b/, /\bactors?\b/, /\bstarring\b/] },
    {
      concept: 'notification preferences',
      names: [/\bnotification (preferences?|settings|channels?)\b/, /\b(email|push|sms) (opt in|opt out|enabled|notifications?)\b/, /\bsms\b/],
    },
  ],
  web: [
    DRM_LICENCE_URLS,
    {
      concept: 'device capability configuration',
      names: [/\bcapabilit(y|ies)\b/, /\bambient\b/, /\bdevice (drm|config|configuration|profile|features?)\b/, /\b(uhd|hdr|atmos) (supported|capable|enabled)\b/],
    },
    {
      concept: 'push-token signals',
      // Web's notificationPreferences.push (the viewer's own choice) is allowed: only the
      // push-token plumbing is matched.
      names: [/\bpush tokens?\b/, /\brefresh push\b/, /\bpush (registration|subscription|endpoint)\b/, /\bdevice tokens?\b/, /\b(apns|fcm)\b/],
    },
  ],
};
