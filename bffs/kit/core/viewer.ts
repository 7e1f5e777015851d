/** The user in the verified token. Every viewer-owned read uses this id, never an argument. */
export interface Viewer {
  id: string;
  /** Forwarded downstream, where each service makes its own authorization decision. */
  token: string;
}

/** One of the viewer's signed-in devices, as an account page shows it. */
export interface SignedInDevice {
  /** A handle for signing it out (deviceHandle), never the session id: that is the device's credential. */
  id: string;
  label: string;
  signedInAt: string;
  lastSeenAt: string;
}

/** The viewer's devices: bound to one viewer per request, so a resolver cannot reach anyone else's. */
export interface ViewerDevices {
  list(): Promise<SignedInDevice[]>;
  /** True when a session ended; false for an id that names none of the viewer's devices (unknown, ended, someone else's). */
  signOut(id: string): Promise<boolean>;
}
