/**
 * The Grafana dashboard and the Prometheus alert rules we ship only help if every expression is
 * valid PromQL and names series a BFF really exports: each is parsed with Prometheus's own
 * grammar (@prometheus-io/lezer-promql) and its metrics and labels are looked up in a live BFF's
 * registry, so renaming a metric without the dashboard fails here, not on a platform team's wall.
 */
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { testConfig } from '../support/bffs.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';

const dashboard = JSON.parse(readFileSync(new URL('../../deploy/monitoring/grafana-dashboard.json', import.meta.url), 'utf8')) as {
  uid: string;
  templating: { list: { name: string; definition?: string }[] };
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
};
const alerts = parseYaml(readFileSync(new URL('../../deploy/monitoring/alerts.yaml', import.meta.url), 'utf8')) as {
  groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
};
/** Labels Prometheus adds when it scrapes, and the histogram's bucket label. */
const SCRAPE_LABELS = new Set(['instance', 'job', 'le']);

let mocks: TestMocks;
let bff: Bff;
/** Every metric the BFF exports, with its label names. */
let exported: Map<string, Set<string>>;

function exportedSeries(registry: Registry): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  const defaults = Object.keys((registry as unknown as { _defaultLabels: Record<string, string> })._defaultLabels ?? { client: '' });
  for (const metric of registry.getMetricsAsArray() as unknown as { name: string; labelNames?: string[]; type?: string }[]) {
    const labels = new Set([...defaults, ...(metric.labelNames ?? [])]);
    series.set(metric.name, labels);
    for (const suffix of ['_bucket', '_sum', '_count']) series.set(metric.name + suffix, labels);
  }
  return series;
}

/** Grafana's variables, as Prometheus would see them after substitution. */
const asPromql = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$client', '.*');

interface Parsed {
  errors: string[];
  /** Each selector's metric and the labels it matches on. */
  selectors: { metric: string; labels: string[] }[];
  /** Labels in by (...), on (...), without (...). */
  grouping: string[];
}

function parsePromql(expr: string): Parsed {
  const text = asPromql(expr);
  const tree = parser.parse(text);
  const parsed: Parsed = { errors: [], selectors: [], grouping: [] };
  const cursor = tree.cursor();
  do {
    const slice = text.slice(cursor.from, cursor.to);
    if (cursor.type.isError) parsed.errors.push(`at ${cursor.from}: "${text.slice(Math.max(0, cursor.from - 10), cursor.to + 10)}"`);
    if (cursor.name === 'VectorSelector') {
      const selector = cursor.node;
      const metric = selector.getChild('Identifier');
      const labels = selector.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher').map((m) => text.slice(m.getChild('LabelName')!.from, m.getChild('LabelName')!.to)) ?? [];
      parsed.selectors.push({ metric: metric ? text.slice(metric.from, metric.to) : '', labels });
    }
    if (cursor.name === 'GroupingLabels') parsed.grouping.push(...slice.replace(/[()\s]/g, '').split(',').filter(Boolean));
  } while (cursor.next());
  return parsed;
}

function problemsOf(expr: string): string[] {
  const { errors, selectors, grouping } = parsePromql(expr);
  const problems = errors.map((error) => `not PromQL ${error}`);
  const known = new Set<string>([...SCRAPE_LABELS]);
  for (const { metric, labels } of selectors) {
    if (metric === 'up') continue; // Prometheus's own
    const labelNames = exported.get(metric);
    if (!labelNames) {
      problems.push(`no such metric: ${metric}`);
      continue;
    }
    for (const label of labelNames) known.add(label);
    for (const label of labels) if (!labelNames.has(label) && !SCRAPE_LABELS.has(label)) problems.push(`${metric} has no label ${label}`);
  }
  for (const label of grouping) if (!known.has(label)) problems.push(`groups by ${label}, which none of its metrics has`);
  return problems;
}

beforeAll(async () => {
  mocks = await startTestMocks();
  bff = createMobileBff(testConfig(mocks.urls), { logger: pino({ level: 'silent' }), tracing: undefined });
  exported = exportedSeries(bff.metrics!);
});
afterAll(async () => {
  await bff.close();
  await mocks.close();
});

test('the checker itself catches a misspelt metric, an unknown label and broken PromQL', () => {
  expect(problemsOf('rate(concierge_graphql_request_total[5m])')).toEqual(['no such metric: concierge_graphql_request_total']);
  expect(problemsOf('sum by (clinet) (rate(concierge_graphql_requests_total{stauts="5xx"}[5m]))')).toEqual([
    'concierge_graphql_requests_total has no label stauts',
    'groups by clinet, which none of its metrics has',
  ]);
  expect(problemsOf('sum(rate(concierge_graphql_requests_total[5m])')[0]).toMatch(/^not PromQL/);
});

describe('the Grafana dashboard', () => {
  const targets = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => [panel.title, target.expr] as const));

  test('has a panel for each thing the platform team watches', () => {
    const titles = dashboard.panels.map((panel) => panel.title).join('\n');
    for (const topic of ['Requests per second', '5xx ratio', 'Latency p50 / p99', 'Error codes', 'Refused before execution', 'Calls per second by service', 'Circuit breakers', 'Bulkhead', 'Cache hit ratio', 'Deprecated fields', 'Session events', 'Event loop lag']) expect(titles).toContain(topic);
    expect(targets.length).toBeGreaterThan(15);
  });

  test.each(targets)('%s: valid PromQL over series the BFF exports', (_, expr) => {
    expect(problemsOf(expr)).toEqual([]);
  });

  test('its client variable reads the label every series carries', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'client')!;
    expect(variable.definition).toBe('label_values(concierge_graphql_requests_total, client)');
    expect(exported.get('concierge_graphql_requests_total')!.has('client')).toBe(true);
  });
});

describe('the alert rules', () => {
  const rules = alerts.groups.flatMap((group) => group.rules);

  test('cover a high error ratio per client, an open breaker, shedding and a p99 over the deadline', () => {
    expect(rules.map((rule) => rule.alert)).toEqual(expect.arrayContaining(['ConciergeHighErrorRatio', 'ConciergeBreakerOpen', 'ConciergeShedding', 'ConciergeP99OverDeadline']));
    for (const rule of rules) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(rule.labels?.severity, rule.alert).toMatch(/^(page|warn)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });

  test.each(rules.map((rule) => [rule.alert, rule.expr] as const))('%s: valid PromQL over series the BFF exports', (_, expr) => {
    expect(problemsOf(expr)).toEqual([]);
  });

  test('the error ratio and shedding rules read the codes and classes the BFF writes', () => {
    const series = rules.map((rule) => rule.expr).join('\n');
    expect(series).toContain('status="5xx"');
    expect(series).toContain('code="OVERLOADED"');
    expect(series).toContain('concierge_deadline_seconds');
  });
});
