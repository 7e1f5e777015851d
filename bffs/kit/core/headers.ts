/** The request headers the kit reads: a fetch `Headers`, or a view of node's (the fast lane). */
export interface RequestHeaders {
  get(name: string): string | null;
}
