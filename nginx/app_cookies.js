// nginx/app_cookies.js: the Set-Cookie filter of the apps origin (njs, loaded by
// appforge.conf.in with `js_import`, run as `js_header_filter` on every app response).
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

export default {app_headers, rewrite};
