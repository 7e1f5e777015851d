/**
 * The environment variables a README documents: the first table after a heading, whose rows start
 * with "| `VAR`". A row may name several (`RATE_LIMIT_VIEWER`, `RATE_LIMIT_IP`), a run of the
 * downstream URLs (`USERS_URL` … `NOTIFICATIONS_URL`), a value (`NODE_ENV=production`) or a
 * pattern (`<SERVICE>_LATENCY_MS`).
 */
import { DOWNSTREAM_DEFAULTS, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';

export interface DocumentedVariables {
  names: Set<string>;
  patterns: RegExp[];
}

const DOWNSTREAM_URL_VARIABLES = (Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]).map(urlVariableOf);

export function documentedVariables(markdown: string, heading: string): DocumentedVariables {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) throw new Error(`no "${heading}" heading`);
  const tableStart = lines.findIndex((line, index) => index > start && line.startsWith('|'));
  if (tableStart === -1) throw new Error(`no table after "${heading}"`);
  const rows = [];
  for (let index = tableStart; index < lines.length && lines[index]!.startsWith('|'); index++) rows.push(lines[index]!);

  const names = new Set<string>();
  const patterns: RegExp[] = [];
  for (const row of rows.filter((line) => line.startsWith('| `'))) {
    const cell = row.split('|')[1]!;
    const tokens = [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!.split('=')[0]!);
    for (const token of tokens) {
      if (/^[A-Z][A-Z0-9_]*$/.test(token)) names.add(token);
      else if (/^[A-Z0-9_]*<[A-Z]+>[A-Z0-9_]*$/.test(token)) patterns.push(new RegExp(`^${token.replace(/<[A-Z]+>/g, '[A-Z][A-Z0-9_]*')}$`));
    }
    if (cell.includes('…')) {
      const [from, to] = tokens;
      const first = DOWNSTREAM_URL_VARIABLES.indexOf(from ?? '');
      const last = DOWNSTREAM_URL_VARIABLES.indexOf(to ?? '');
      if (first === -1 || last < first) throw new Error(`cannot expand the run "${cell.trim()}": only runs of downstream URL variables are known`);
      for (const name of DOWNSTREAM_URL_VARIABLES.slice(first, last + 1)) names.add(name);
    }
  }
  if (names.size === 0) throw new Error(`the table after "${heading}" documents no variable`);
  return { names, patterns };
}

export const isDocumented = (documented: DocumentedVariables, name: string) =>
  documented.names.has(name) || documented.patterns.some((pattern) => pattern.test(name));
