import { Random, isoDate, isoInstant, DATA_EPOCH } from './random.ts';
import type { Tier, User } from './users.ts';

const PRICES: Record<Tier, number> = { basic: 799, standard: 1399, premium: 1999 };
const CURRENCY: Record<string, string> = { US: 'USD', GB: 'GBP', JP: 'JPY', KR: 'KRW', BR: 'BRL', SE: 'SEK', IN: 'INR' };

export interface BillingAccount {
  userId: string;
  plan: { id: string; name: string; tier: Tier; billingCycle: 'monthly' };
  price: { amountMinor: number; currency: string; taxIncluded: boolean };
  nextBillingDate: string;
  status: 'current' | 'past_due';
  paymentMethods: { id: string; brand: string; last4: string; expMonth: number; expYear: number; isDefault: boolean }[];
  invoices: { id: string; issuedAt: string; amountMinor: number; currency: string; status: 'paid' | 'refunded'; pdfUrl: string }[];
  taxRatePercent: number;
  createdAt: string;
}

export function generateBilling(seed: number, user: User): BillingAccount {
  const r = new Random(seed, `billing:${user.id}`);
  const tier = user.subscription.tier;
  const currency = CURRENCY[user.profile.country] ?? 'EUR';
  const amountMinor = PRICES[tier];
  const billingDay = r.int(1, 28);
  const epoch = new Date(DATA_EPOCH);
  return {
    userId: user.id,
    plan: { id: `plan_${tier}_monthly`, name: `${tier.charAt(0).toUpperCase()}${tier.slice(1)}`, tier, billingCycle: 'monthly' },
    price: { amountMinor, currency, taxIncluded: currency !== 'USD' },
    nextBillingDate: isoDate(new Date(Date.UTC(epoch.getUTCFullYear(), epoch.getUTCMonth() + 1, billingDay))),
    status: r.chance(0.95) ? 'current' : 'past_due',
    paymentMethods: Array.from({ length: r.int(1, 3) }, (_, i) => ({
      id: `pm_${user.id}_${i + 1}`,
      brand: r.pick(['visa', 'mastercard', 'amex']),
      last4: String(r.int(0, 9999)).padStart(4, '0'),
      expMonth: r.int(1, 12),
      expYear: r.int(2027, 2031),
      isDefault: i === 0,
    })),
    invoices: Array.from({ length: 12 }, (_, i) => ({
      id: `inv_${user.id}_${12 - i}`,
      issuedAt: isoInstant(new Date(Date.UTC(epoch.getUTCFullYear(), epoch.getUTCMonth() - i, billingDay))),
      amountMinor,
      currency,
      status: r.chance(0.97) ? 'paid' : 'refunded',
      pdfUrl: `https://billing.concierge.example/invoices/inv_${user.id}_${12 - i}.pdf`,
    })),
    taxRatePercent: currency === 'USD' ? 0 : 20,
    createdAt: user.createdAt,
  };
}
