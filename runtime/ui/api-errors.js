// The API's error objects ({"error": {"message", "type", "param", "code"}}) turned into what the page says.

/** A request the server refused, or a stream that ended with an error event. */
export class ApiFailure extends Error {
  constructor(status, error, retryAfter) {
    super(typeof error?.message === 'string' ? error.message : `The server answered ${status}.`);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = typeof error?.code === 'string' ? error.code : undefined;
    this.retryAfter = retryAfter;
  }
}

/** Reads a non-2xx response's error object (or makes one up when the body is not one). */
export async function failureFrom(response) {
  let error;
  try {
    error = (await response.json())?.error;
  } catch {
    // Not JSON: a proxy's page, a gateway timeout. The status still says enough.
  }
  return new ApiFailure(response.status, error, response.headers.get('Retry-After') ?? undefined);
}

/** What the page tells the user about a failure; `needsKey` opens the key form. */
export function describeFailure(failure) {
  if (failure.name === 'StreamCut') return { text: failure.message, needsKey: false };
  if (!(failure instanceof ApiFailure)) {
    return { text: `Cannot reach the server (${failure.message}).`, needsKey: false };
  }
  if (failure.status === 401) {
    return { text: 'The server needs an API key, or refused the one given.', needsKey: true };
  }
  if (failure.status === 429) {
    const wait = failure.retryAfter !== undefined ? ` Retry in ${failure.retryAfter} s (Retry-After).` : ' Retry shortly.';
    return { text: `The server is busy with other requests.${wait}`, needsKey: false };
  }
  if (failure.code === 'context_length_exceeded') {
    return { text: `This conversation no longer fits the model's context: start a new chat or send something shorter. (${failure.message})`, needsKey: false };
  }
  if (failure.status === 503) {
    return { text: `${failure.message}${failure.retryAfter !== undefined ? ` Retry in ${failure.retryAfter} s.` : ''}`, needsKey: false };
  }
  return { text: `Error ${failure.status}: ${failure.message}`, needsKey: false };
}
