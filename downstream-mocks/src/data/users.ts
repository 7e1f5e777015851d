import { Random, isoDate, isoInstant } from './random.ts';
import { COUNTRIES, FIRST_NAMES, LANGUAGES, LAST_NAMES } from './words.ts';

export const USER_COUNT = 1_000;

export type Tier = 'basic' | 'standard' | 'premium';

/** The users service's generic record: profile, subscription, entitlements and much more. */
export interface User {
  id: string;
  email: string;
  emailVerified: boolean;
  phoneNumber: string | null;
  profile: { name: string; avatarUrl: string; language: string; country: string; dateOfBirth: string };
  subscription: { tier: Tier; status: 'active' | 'cancelled'; startedAt: string; expiresAt: string; autoRenew: boolean };
  entitlements: { downloads: boolean; uhd: boolean; hdr: boolean; atmos: boolean; maxStreams: number };
  preferences: {
    autoplayNextEpisode: boolean;
    autoplayPreviews: boolean;
    audioLanguage: string;
    subtitleLanguage: string | null;
    maturityLimit: string;
    ambientMode: boolean;
  };
  billingAddress: { line1: string; line2: string | null; city: string; postalCode: string; country: string };
  notificationPreferences: { email: boolean; push: boolean; sms: boolean };
  pushToken: { token: string; updatedAt: string } | null;
  devices: { id: string; type: 'mobile' | 'tv' | 'web' | 'tablet'; name: string; lastSeenAt: string }[];
  householdId: string;
  locale: string;
  timezone: string;
  marketingOptIn: boolean;
  parentalPinSet: boolean;
  twoFactorEnabled: boolean;
  accountStatus: 'active' | 'suspended';
  referralCode: string;
  experimentBuckets: string[];
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string;
}

export function userNumber(id: string): number | undefined {
  const m = /^u_([1-9]\d*)$/.exec(id);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= USER_COUNT ? n : undefined;
}

/** Entitlements are the users service's decision, made here from the tier, never by a BFF. */
const ENTITLEMENTS: Record<Tier, User['entitlements']> = {
  basic: { downloads: false, uhd: false, hdr: false, atmos: false, maxStreams: 1 },
  standard: { downloads: true, uhd: false, hdr: true, atmos: false, maxStreams: 2 },
  premium: { downloads: true, uhd: true, hdr: true, atmos: true, maxStreams: 4 },
};

export function generateUser(seed: number, n: number): User {
  const r = new Random(seed, `user:${n}`);
  const first = r.pick(FIRST_NAMES);
  const last = r.pick(LAST_NAMES);
  const tier = r.pick(['basic', 'standard', 'premium'] as const);
  const country = r.pick(COUNTRIES);
  const created = r.pastDate(30, 2000);
  // A third of users have no push token, and some have one older than 30 days.
  const pushToken = r.chance(0.33) ? null : { token: `pt_${n}_${r.int(1e5, 1e6)}`, updatedAt: isoInstant(r.pastDate(0, 90)) };

  return {
    id: `u_${n}`,
    email: `${first}.${last}.${n}@example.com`.toLowerCase(),
    emailVerified: r.chance(0.9),
    phoneNumber: r.chance(0.5) ? `+1555${String(n).padStart(7, '0')}` : null,
    profile: {
      name: `${first} ${last}`,
      avatarUrl: `https://img.concierge.example/avatars/u_${n}.png`,
      language: r.pick(LANGUAGES),
      country,
      dateOfBirth: isoDate(r.pastDate(365 * 18, 365 * 70)),
    },
    subscription: {
      tier,
      status: r.chance(0.95) ? 'active' : 'cancelled',
      startedAt: isoInstant(created),
      expiresAt: isoInstant(new Date(Date.UTC(2027, r.int(0, 11), r.int(1, 28)))),
      autoRenew: r.chance(0.8),
    },
    entitlements: ENTITLEMENTS[tier],
    preferences: {
      autoplayNextEpisode: r.chance(0.8),
      autoplayPreviews: r.chance(0.5),
      audioLanguage: r.pick(LANGUAGES),
      subtitleLanguage: r.chance(0.4) ? r.pick(LANGUAGES) : null,
      maturityLimit: r.pick(['TV-14', 'TV-MA', 'R']),
      ambientMode: r.chance(0.5),
    },
    billingAddress: {
      line1: `${r.int(1, 999)} ${r.pick(LAST_NAMES)} Street`,
      line2: r.chance(0.2) ? `Apt ${r.int(1, 50)}` : null,
      city: r.pick(['Springfield', 'Riverton', 'Lakeside', 'Hillcrest']),
      postalCode: String(r.int(10000, 99999)),
      country,
    },
    notificationPreferences: { email: r.chance(0.7), push: r.chance(0.6), sms: r.chance(0.2) },
    pushToken,
    devices: Array.from({ length: r.int(1, 4) }, (_, i) => ({
      id: `d_${n}_${i + 1}`,
      type: r.pick(['mobile', 'tv', 'web', 'tablet'] as const),
      name: r.pick(['Living room TV', 'Phone', 'Laptop', 'Tablet']),
      lastSeenAt: isoInstant(r.pastDate(0, 60)),
    })),
    householdId: `h_${Math.ceil(n / 2)}`,
    locale: `${r.pick(LANGUAGES)}-${country}`,
    timezone: r.pick(['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo']),
    marketingOptIn: r.chance(0.3),
    parentalPinSet: r.chance(0.2),
    twoFactorEnabled: r.chance(0.4),
    accountStatus: 'active',
    referralCode: `REF${n}${r.int(100, 999)}`,
    experimentBuckets: r.sample(['new-player', 'row-order-b', 'dark-hero', 'fast-start'], r.int(0, 2)),
    createdAt: isoInstant(created),
    updatedAt: isoInstant(r.pastDate(0, 30)),
    lastLoginAt: isoInstant(r.pastDate(0, 7)),
  };
}
