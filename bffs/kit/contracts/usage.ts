/** One line of the usage report: how many requests, by app version and operation or deprecated field. */
export interface UsageCount {
  version: string;
  /** An operation name, or a deprecated `Type.field`. */
  name: string;
  count: number;
}

export interface UsageSnapshot {
  operations: UsageCount[];
  deprecatedFields: UsageCount[];
}

/** The bounded labels of a request, for metrics and logs too. */
export interface UsageLabels {
  version: string;
  operation: string;
}

/** What a request contributes: `version` as the app claimed it, the operation when trusted. */
export interface UsageSample {
  claimed: string | undefined;
  trusted: boolean;
  operationName: string | undefined;
  deprecated: readonly string[];
}

/**
 * Requests counted per app version and operation, and per version and deprecated field the
 * operation selects, so the platform team can see who still uses what before retiring it.
 * Labels are bounded: versions only from the client's releases (else `other`, or `none` without
 * a header) and operation names only from trusted documents (else `other`), so a hostile client
 * cannot grow the maps. The metrics endpoint (observability) reads `snapshot()`.
 */
export function createContractUsage(knownVersions: Iterable<string>) {
  const known = new Set(knownVersions);
  const operations = new Map<string, number>();
  const deprecatedFields = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

  return {
    /** Counts the request, and answers its labels. */
    record({ claimed, trusted, operationName, deprecated }: UsageSample): UsageLabels {
      const version = claimed === undefined ? 'none' : known.has(claimed) ? claimed : 'other';
      const operation = trusted ? operationName ?? 'anonymous' : 'other';
      bump(operations, `${version}\n${operation}`);
      for (const coordinate of deprecated) bump(deprecatedFields, `${version}\n${coordinate}`);
      return { version, operation };
    },
    snapshot(): UsageSnapshot {
      const rows = (map: Map<string, number>) =>
        [...map].map(([key, count]) => {
          const [version, name] = key.split('\n') as [string, string];
          return { version, name, count };
        }).sort((a, b) => (a.version + a.name < b.version + b.name ? -1 : 1));
      return { operations: rows(operations), deprecatedFields: rows(deprecatedFields) };
    },
  };
}

export type ContractUsage = ReturnType<typeof createContractUsage>;
