import type { BillingAccount, Localizer } from '../../kit/index.ts';
import type { Billing } from '../generated/resolvers.generated.ts';
import type { AccountModel } from '../models.ts';
import type { WebViewer } from '../needs.ts';

const RECENT_INVOICES = 3;

export const toAccount = (user: WebViewer): AccountModel => ({
  profile: { name: user.profile.name, avatarUrl: user.profile.avatarUrl, language: user.profile.language, country: user.profile.country },
  email: user.email,
  subscription: user.subscription,
  notificationPreferences: user.notificationPreferences,
});

/** Money and dates in the viewer's locale (the localizer's `Intl` formats: JPY has no decimals, Arabic its own digits). */
export const toBilling = (billing: BillingAccount, localizer: Localizer): Billing => ({
  plan: billing.plan.name,
  price: localizer.message('billing.pricePerMonth', { price: localizer.money(billing.price.amountMinor, billing.price.currency) }),
  nextBillingDate: billing.nextBillingDate,
  nextBillingDateText: localizer.date(billing.nextBillingDate),
  paymentMethods: billing.paymentMethods.map(({ brand, last4, expMonth, expYear, isDefault }) => ({ brand, last4, expMonth, expYear, isDefault })),
  recentInvoices: [...billing.invoices]
    .sort((a, b) => b.issuedAt.localeCompare(a.issuedAt))
    .slice(0, RECENT_INVOICES)
    .map((invoice) => ({ id: invoice.id, issuedAt: invoice.issuedAt, issuedAtText: localizer.date(invoice.issuedAt), amount: localizer.money(invoice.amountMinor, invoice.currency), status: invoice.status })),
});
