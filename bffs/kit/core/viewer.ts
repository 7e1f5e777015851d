/** The user in the verified token. Every viewer-owned read uses this id, never an argument. */
export interface Viewer {
  id: string;
  /** Forwarded downstream, where each service makes its own authorization decision. */
  token: string;
}
