// nginx/app_cookies.js: the cookie filters of the apps origin (njs, loaded by
// appforge.conf.in with `js_import`): app_headers runs as `js_header_filter` on every
// app response (Set-Cookie), app_cookie as `js_set $af_app_cookie` for the Cookie
// header proxied to the app (the request side, below).
//
// An app may only set cookies for its own host. The filter parses each Set-Cookie header
// the way browsers do (RFC 6265 5.2: the name-value pair ends at the first ';', names of
// attributes are trimmed of spaces and tabs and compared without case), then:
// - removes every Domain attribute, whatever its spelling ("Domain\t=", " dOmAiN =",
//   a leading dot, quotes): a cookie without Domain is bound to the app's own host;
// - drops the whole cookie when its name is empty or names one of the platform's
//   cookies (af_*, __Host-af_*, __Secure-af_*, in any case).
// Every Set-Cookie header is seen (njs gives them all as an array), not only the first.
// proxy_cookie_domain cannot do this: nginx's own parser does not trim the attribute name.

const WS = /^[ \t]+|[ \t]+$/g;
const PLATFORM = /^(__host-|__secure-)?af_/i;

function trim(s) {
	return s.replace(WS, '');
}

// One Set-Cookie value rewritten, or null to drop it.
function rewrite(line) {
	const parts = line.split(';');
	const pair = parts[0];
	const eq = pair.indexOf('=');
	const name = eq < 0 ? '' : trim(pair.slice(0, eq));
	if (name === '' || PLATFORM.test(name))
		return null;
	const out = [trim(pair)];
	for (let i = 1; i < parts.length; i++) {
		const a = parts[i];
		const k = a.indexOf('=');
		const key = trim(k < 0 ? a : a.slice(0, k)).toLowerCase();
		if (key === 'domain' || key === '')
			continue;
		out.push(trim(a));
	}
	return out.join('; ');
}

function app_headers(r) {
	let v = r.headersOut['Set-Cookie'];
	if (v === undefined)
		return;
	if (!Array.isArray(v))
		v = [v];
	const kept = [];
	for (let i = 0; i < v.length; i++) {
		const c = rewrite(String(v[i]));
		if (c !== null)
			kept.push(c);
	}
	delete r.headersOut['Set-Cookie'];
	if (kept.length)
		r.headersOut['Set-Cookie'] = kept;
}

// The request's Cookie header without any platform cookie (same names as above: the
// frontend's af_*, a private app origin's __Host-af_app), for the app. A cookie is a
// ';'-separated pair whose name ends at the first '=' (a pair without '=' is a value of
// an empty name: kept). Every pair is looked at, whatever their number or order.
function app_cookie(r) {
	const h = r.variables.http_cookie;
	if (!h)
		return '';
	const parts = h.split(';');
	const kept = [];
	for (let i = 0; i < parts.length; i++) {
		const c = trim(parts[i]);
		const eq = c.indexOf('=');
		if (c === '' || (eq >= 0 && PLATFORM.test(trim(c.slice(0, eq)))))
			continue;
		kept.push(c);
	}
	return kept.join('; ');
}

export default {app_headers, app_cookie, rewrite};
