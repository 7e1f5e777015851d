/** A value made once per key and kept: per-user lists the mocks would otherwise regenerate on every call. */
export function memoByKey<T>(make: (key: string) => T): (key: string) => T {
  const values = new Map<string, T>();
  return (key) => {
    let value = values.get(key);
    if (value === undefined) values.set(key, (value = make(key)));
    return value;
  };
}
