// drafts.js: unsaved edits of an app's files, kept in this browser's localStorage so
// that a reload, a closed tab or an ended session loses nothing. One entry per user,
// app and file: "af-draft:<user id>:<app id>:<path>" -> JSON {text} for a changed or
// added file, {removed: true} for a file removed in the editor, plus the time "at".
// Saving the files clears the app's drafts. Drafts hold code, never credentials.
const PREFIX = 'af-draft:';

function appPrefix(user, app) {
	return PREFIX + user + ':' + app + ':';
}

function storage() {
	try {
		return window.localStorage;
	} catch {
		return null; // storage disabled by the browser
	}
}

// Returns false when the browser refused to store it (quota, storage disabled).
export function saveDraft(user, app, path, draft) {
	const st = storage();
	if (!st)
		return false;
	try {
		st.setItem(appPrefix(user, app) + path, JSON.stringify({...draft, at: new Date().toISOString()}));
		return true;
	} catch {
		return false;
	}
}

export function removeDraft(user, app, path) {
	const st = storage();
	if (st)
		st.removeItem(appPrefix(user, app) + path);
}

// Map path -> draft of this user's app (malformed entries are dropped).
export function loadDrafts(user, app) {
	const st = storage();
	const out = new Map();
	if (!st)
		return out;
	const prefix = appPrefix(user, app);
	for (let i = 0; i < st.length; i++) {
		const k = st.key(i);
		if (!k || !k.startsWith(prefix))
			continue;
		try {
			const d = JSON.parse(st.getItem(k));
			if (d && (d.removed === true || typeof d.text === 'string'))
				out.set(k.slice(prefix.length), d);
		} catch {
			// not ours or damaged: ignored, and removed below
		}
	}
	return out;
}

export function clearDrafts(user, app) {
	const st = storage();
	if (!st)
		return;
	const prefix = appPrefix(user, app);
	const keys = [];
	for (let i = 0; i < st.length; i++) {
		const k = st.key(i);
		if (k && k.startsWith(prefix))
			keys.push(k);
	}
	for (const k of keys)
		st.removeItem(k);
}
