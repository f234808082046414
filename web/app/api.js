// api.js: the one client of the appforge HTTP API (API.md).
// The session token (a JWT from POST /api/auth/login) lives in this module's memory
// only: never in localStorage, sessionStorage or a cookie, so a reload means logging
// in again and no other script on the origin can read it from storage.
// Every failure becomes an ApiError with the HTTP status, the API's error code and
// message, and for 429 the Retry-After wait; describeError() turns one into a sentence.

let token = null;
let tokenExpires = null;
let unauthorizedHandler = null;

export class ApiError extends Error {
	constructor(status, code, message, extra = {}) {
		super(message);
		this.name = 'ApiError';
		this.status = status;          // 0 for a network failure
		this.code = code;              // snake_case code from the API, or our own
		this.retryAfter = extra.retryAfter ?? null; // seconds, for 429
		this.requestId = extra.requestId ?? null;
		this.detail = extra.detail ?? null; // the API's whole error object (log, findings...)
	}
}

export function setSession(jwt, expiresAt) {
	token = jwt || null;
	tokenExpires = expiresAt || null;
}
export function clearSession() {
	token = null;
	tokenExpires = null;
}
export function hasSession() {
	return token !== null;
}
export function sessionExpiresAt() {
	return tokenExpires;
}
// fn(err) runs when an authenticated call answers 401: the session is over.
export function onUnauthorized(fn) {
	unauthorizedHandler = fn;
}

// Retry-After is either delta-seconds or an HTTP date (RFC 9110 10.2.3).
function parseRetryAfter(v) {
	if (!v)
		return null;
	if (/^\s*\d+\s*$/.test(v))
		return parseInt(v, 10);
	const t = Date.parse(v);
	if (isNaN(t))
		return null;
	return Math.max(0, Math.ceil((t - Date.now()) / 1000));
}

// request('GET', '/api/apps') -> parsed JSON (null for 204).
// opts.body: sent as JSON; opts.text: read the answer as text (logs);
// opts.signal: an AbortSignal; opts.noAuthRedirect: a 401 does not end the session
// (the login form uses it).
export async function request(method, path, opts = {}) {
	const headers = {Accept: opts.text ? 'text/plain' : 'application/json'};
	if (token)
		headers.Authorization = 'Bearer ' + token;
	const init = {method, headers, cache: 'no-store', credentials: 'same-origin', signal: opts.signal};
	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(opts.body);
	}
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		if (e && e.name === 'AbortError')
			throw e;
		throw new ApiError(0, 'network_error', 'the server could not be reached');
	}
	const requestId = res.headers.get('X-Request-Id');
	if (res.ok) {
		if (res.status === 204)
			return null;
		if (opts.text)
			return await res.text();
		try {
			return await res.json();
		} catch {
			throw new ApiError(res.status, 'bad_response', 'the server sent an answer that is not JSON', {requestId});
		}
	}
	let code = 'http_' + res.status;
	let message = res.statusText || 'request failed';
	let detail = null;
	try {
		const body = await res.json();
		if (body && body.error && typeof body.error === 'object') {
			detail = body.error;
			if (typeof body.error.code === 'string')
				code = body.error.code;
			if (typeof body.error.message === 'string')
				message = body.error.message;
		}
	} catch {
		// not JSON: keep the status text
	}
	const err = new ApiError(res.status, code, message, {
		retryAfter: parseRetryAfter(res.headers.get('Retry-After')), requestId, detail,
	});
	if (res.status === 401 && !opts.noAuthRedirect && token !== null) {
		clearSession();
		if (unauthorizedHandler)
			unauthorizedHandler(err);
	}
	throw err;
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts = {}) => request('POST', path, {...opts, body});
export const put = (path, body, opts = {}) => request('PUT', path, {...opts, body});
export const del = (path, opts) => request('DELETE', path, opts);

// App ids are [a-z0-9]{16}; anything else never reaches a URL we build.
export function appPath(id, rest = '') {
	if (typeof id !== 'string' || !/^[a-z][a-z0-9]{15}$/.test(id))
		throw new ApiError(404, 'not_found', 'no such app');
	return '/api/apps/' + id + rest;
}
// Other ids (tokens, users) are path-escaped.
export function idPath(prefix, id) {
	return prefix + encodeURIComponent(String(id));
}

// One sentence for the person in front of the screen; `what` names the action
// ("Saving the files") so the message says what failed.
export function describeError(err, what) {
	const lead = what ? what + ' failed: ' : '';
	if (!(err instanceof ApiError))
		return lead + (err && err.message ? err.message : String(err));
	const msg = err.message ? err.message.replace(/\.$/, '') : '';
	const rid = err.requestId ? ' (request id ' + err.requestId + ')' : '';
	switch (true) {
	case err.status === 0:
		return lead + 'the server could not be reached (network error). Check the connection and try again.';
	case err.code === 'invalid_credentials':
		return 'Wrong username or password.';
	case err.status === 401:
		return 'Your session has ended or is not valid any more. Please log in again.';
	case err.code === 'quota_exceeded':
		return lead + 'quota reached: ' + msg + '. Delete or stop an app first.';
	case err.status === 403:
		return lead + 'not allowed: ' + msg + '.';
	case err.code === 'scan_blocked':
		return lead + 'the code scan blocked this app: ' + msg + '. Fix the blocking findings, save, and try again.';
	case err.code === 'app_crashed':
		return lead + 'the app exited while it was starting: ' + msg + '. Its last log lines are shown with the logs.';
	case err.code === 'start_timeout':
		return lead + 'the app did not answer in time and was stopped: ' + msg + '. Its last log lines are shown with the logs.';
	case err.code === 'generation_failed':
		return lead + 'no app could be made from this prompt: ' + msg + '. Try describing it differently.';
	case err.status === 404:
		return lead + 'not found: ' + msg + '.';
	case err.status === 413:
		return lead + 'the request is too large: ' + msg + '.';
	case err.status === 429: {
		const wait = err.retryAfter !== null ? 'Please wait ' + err.retryAfter + ' second' + (err.retryAfter === 1 ? '' : 's') + ' and try again.' : 'Please wait a little and try again.';
		return lead + 'too many requests. ' + wait;
	}
	case err.status === 501:
		return lead + 'this feature is not available on this server yet (' + msg + ').';
	case err.status === 503:
		return lead + 'the service is unavailable right now: ' + msg + '. Try again later' + rid + '.';
	case err.status >= 500:
		return lead + 'server error ' + err.status + ': ' + msg + '. Try again later' + rid + '.';
	default:
		return lead + msg + ' (' + err.status + ' ' + err.code + ')' + rid + '.';
	}
}
