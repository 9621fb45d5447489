// The request/response log: newest first, capped, told to re-render on change.
const MAX_ENTRIES = 200;

export function createLog(clock, onChange) {
  const entries = [];
  /** errors already on screen as a failed request, so the page need not repeat them */
  const shownErrors = new WeakSet();
  let nextId = 1;
  const add = (entry) => {
    entries.unshift({ id: nextId++, at: clock(), ...entry });
    entries.length = Math.min(entries.length, MAX_ENTRIES);
    onChange();
    return entries[0];
  };
  return {
    entries,
    /** An outgoing call; resolve it with `succeed(response)` or `fail(error)`. */
    request(source, method, request) {
      const entry = add({ source, method, request, status: 'pending' });
      return {
        succeed(response) {
          Object.assign(entry, { status: 'ok', response });
          onChange();
        },
        fail(error) {
          if (error !== null && typeof error === 'object') shownErrors.add(error);
          Object.assign(entry, { status: 'error', error });
          onChange();
        },
      };
    },
    /** A message: the SDK's own logging, or what the page did. */
    note(source, level, message) {
      add({ source, method: level, status: level, message });
    },
    /** whether `error` already shows as the answer to a logged request */
    shows(error) {
      return error !== null && typeof error === 'object' && shownErrors.has(error);
    },
    clear() {
      entries.length = 0;
      onChange();
    },
  };
}
