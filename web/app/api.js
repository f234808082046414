// api.js: the one client of the appforge HTTP API (API.md).
// The access token (a short-lived JWT from login or refresh) lives in this module's
// memory only: never in localStorage, sessionStorage or a readable cookie, so no other
// script on the origin can read it from storage. What survives a reload is the
// HttpOnly refresh cookie, which the page cannot read either: at load, shortly before
// the token expires, and once after a 401, refresh() trades it for a new token.
// Refreshes are serialised across tabs (Web Locks): the server rotates the cookie on
// every use and treats a second use of the same one as theft.
// Every failure becomes an ApiError with the HTTP status, the API's error code and
// message, and for 429 the Retry-After wait; describeError() turns one into a sentence.

let token = null;
let tokenExpires = null;
let unauthorizedHandler = null;
let refreshTimer = null;
let refreshing = null;     // the refresh in progress in this tab (a promise)

const REFRESH_EARLY_MS = 60 * 1000; // refresh this long before the token expires
const OFFLINE_RETRY_MS = 15 * 1000; // a refresh that found no network is tried again
const SESSION_HEADERS = {'X-Requested-With': 'appforge', Accept: 'application/json'};
// Other tabs learn of a logout at once (they would otherwise keep their token until
// it expires).
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('af-session') : null;

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
	scheduleRefresh();
}
export function clearSession() {
	token = null;
	tokenExpires = null;
	clearTimeout(refreshTimer);
	refreshTimer = null;
}

function scheduleRefresh() {
	clearTimeout(refreshTimer);
	refreshTimer = null;
	const exp = tokenExpires ? Date.parse(tokenExpires) : NaN;
	if (!token || isNaN(exp))
		return;
	const wait = Math.max(5000, exp - Date.now() - REFRESH_EARLY_MS);
	refreshTimer = setTimeout(() => refreshOrEnd(), wait);
}

// Scheduled refresh: no network is no reason to end the session: try again later.
async function refreshOrEnd() {
	const r = await refresh();
	if (r === null)
		refreshTimer = setTimeout(() => refreshOrEnd(), OFFLINE_RETRY_MS);
	else if (!r)
		sessionEnded(new ApiError(401, 'unauthorized', 'the session has ended'));
}

function sessionEnded(err) {
	const had = token !== null;
	clearSession();
	if (had && unauthorizedHandler)
		unauthorizedHandler(err);
}

// The user a JWT names (its "sub"), or null. Read only to notice a change of user,
// never trusted for anything: the server decides.
function jwtSubject(jwt) {
	try {
		const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
		return JSON.parse(atob(part + '='.repeat((4 - part.length % 4) % 4))).sub || null;
	} catch {
		return null;
	}
}

async function refreshOnce() {
	const before = token ? jwtSubject(token) : null;
	let res;
	try {
		res = await fetch('/api/auth/refresh', {method: 'POST', headers: SESSION_HEADERS,
			cache: 'no-store', credentials: 'same-origin'});
	} catch {
		return null;
	}
	if (!res.ok)
		return res.status === 401 || res.status === 403 ? false : null;
	try {
		const body = await res.json();
		if (!body || typeof body.token !== 'string')
			return false;
		// Another user logged in from another tab of this browser (one cookie jar): this
		// page's session is over rather than silently becoming theirs.
		if (before && jwtSubject(body.token) !== before) {
			sessionEnded(new ApiError(401, 'unauthorized', 'another user logged in in this browser'));
			return false;
		}
		setSession(body.token, body.expires_at);
		return true;
	} catch {
		return false;
	}
}

// Trades the refresh cookie for a new access token. true on success; false when there
// is no valid session (the cookie is missing, expired or revoked); null when the
// server could not be reached or failed (the session may still be good).
export function refresh() {
	if (!refreshing) {
		const run = () => refreshOnce();
		refreshing = (navigator.locks ? navigator.locks.request('af-refresh', run) : run())
			.finally(() => {
				refreshing = null;
			});
	}
	return refreshing;
}

// Ends the session on the server (the cookie's session is revoked) and here, and tells
// the other tabs.
export async function logout() {
	clearSession();
	try {
		await fetch('/api/auth/logout', {method: 'POST', headers: SESSION_HEADERS,
			cache: 'no-store', credentials: 'same-origin'});
	} catch {
		// offline: the cookie is cleared at its next use anyway
	}
	if (channel)
		channel.postMessage('logout');
}

if (channel) {
	channel.onmessage = (ev) => {
		if (ev.data === 'logout')
			sessionEnded(new ApiError(401, 'unauthorized', 'logged out in another tab'));
	};
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
// opts.body: sent as JSON; opts.raw with opts.contentType: sent as is (an archive to
// import); opts.text: read the answer as text (logs); opts.blob: as a Blob (an export);
// opts.signal: an AbortSignal; opts.noAuthRedirect: a 401 does not end the session
// (the login form uses it); opts.stream: the Response itself, its body unread (server-
// sent events, see stream()), with opts.headers added to the request.
export async function request(method, path, opts = {}) {
	try {
		return await requestOnce(method, path, opts);
	} catch (e) {
		// An expired or revoked access token: one silent refresh, then the call again.
		if (!(e instanceof ApiError) || e.status !== 401 || opts.noAuthRedirect || opts.retried ||
		    token === null)
			throw e;
		const r = await refresh();
		if (r)
			return await requestOnce(method, path, {...opts, retried: true});
		if (r === false)
			sessionEnded(e);
		throw e;
	}
}

async function requestOnce(method, path, opts) {
	const headers = {Accept: opts.stream ? 'text/event-stream' : opts.text ? 'text/plain' : opts.blob ? 'application/gzip, application/json' : 'application/json', ...(opts.headers || {})};
	if (token)
		headers.Authorization = 'Bearer ' + token;
	const init = {method, headers, cache: 'no-store', credentials: 'same-origin', signal: opts.signal};
	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(opts.body);
	}
	if (opts.raw !== undefined) {
		headers['Content-Type'] = opts.contentType;
		init.body = opts.raw;
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
		if (opts.stream)
			return res;
		if (opts.text)
			return await res.text();
		if (opts.blob)
			return await res.blob();
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
	if (res.status === 401 && !opts.noAuthRedirect && token !== null && opts.retried)
		sessionEnded(err);
	throw err;
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts = {}) => request('POST', path, {...opts, body});
export const put = (path, body, opts = {}) => request('PUT', path, {...opts, body});
export const del = (path, opts) => request('DELETE', path, opts);
export const patch = (path, body, opts = {}) => request('PATCH', path, {...opts, body});
// A stream of server-sent events (GET .../logs/stream): EventSource cannot send the
// Authorization header, so it is a fetch whose Response body the caller reads.
// opts.lastEventId resumes after that event.
export const stream = (path, opts = {}) => request('GET', path, {...opts, stream: true,
	headers: opts.lastEventId ? {'Last-Event-ID': opts.lastEventId} : {}});

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
