import type { BillingAccount } from '../../kit/index.ts';
import type { Billing } from '../generated/resolvers.generated.ts';
import type { AccountModel } from '../models.ts';
import type { WebViewer } from '../needs.ts';

const RECENT_INVOICES = 3;

/** Minor units to display text, with the currency's own number of decimals (JPY has none). */
export function formatMoney(amountMinor: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** digits);
}

export const toAccount = (user: WebViewer): AccountModel => ({
  profile: { name: user.profile.name, avatarUrl: user.profile.avatarUrl, language: user.profile.language, country: user.profile.country },
  email: user.email,
  subscription: user.subscription,
  notificationPreferences: user.notificationPreferences,
});

export const toBilling = (billing: BillingAccount): Billing => ({
  plan: billing.plan.name,
  price: `${formatMoney(billing.price.amountMinor, billing.price.currency)} / month`,
  nextBillingDate: billing.nextBillingDate,
  paymentMethods: billing.paymentMethods.map(({ brand, last4, expMonth, expYear, isDefault }) => ({ brand, last4, expMonth, expYear, isDefault })),
  recentInvoices: [...billing.invoices]
    .sort((a, b) => b.issuedAt.localeCompare(a.issuedAt))
    .slice(0, RECENT_INVOICES)
    .map((invoice) => ({ id: invoice.id, issuedAt: invoice.issuedAt, amount: formatMoney(invoice.amountMinor, invoice.currency), status: invoice.status })),
});
