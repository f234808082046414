// snapshots.js: the data snapshots of an app's revisions, on its history (history.js):
// a mark on each revision that kept a snapshot of the app's data, and the choice to
// restore code and data (POST .../revisions/{n}/restore with {"data": true}), which the
// server refuses (409 app_running) while the app runs.
import {h} from './dom.js';
import * as api from './api.js';
import {busy, confirmDialog, showInfo} from './ui.js';

// The "data" badge of a revision that kept a snapshot of the app's data (else null).
export function snapshotBadge(r) {
	return r.data_snapshot ? h('span', {class: 'badge data-snapshot', title: 'The app’s data as it was at this revision is kept'},
		'data') : null;
}

// The button "Restore code and data" of such a revision (onRestore(n, button) on a
// click), or null.
export function restoreDataButton(r, onRestore) {
	if (!r.data_snapshot)
		return null;
	const btn = h('button', {type: 'button', class: 'secondary small restore-data', 'data-n': r.n},
		'Restore code and data');
	btn.addEventListener('click', () => onRestore(r.n, btn));
	return btn;
}

// Asks, then restores revision n of the app with its data. The answer {app, revision},
// or undefined when the user said no or it failed (the failure is shown).
export async function restoreWithData(appId, n, btn) {
	if (!await confirmDialog('Restore revision ' + n + ' with its data? Its files become the app’s files, and ' +
		'the app’s data goes back to what it was at revision ' + n + ': what the app stored since is lost. ' +
		'Stop the app first.', 'Restore code and data'))
		return undefined;
	return busy(btn, 'Restoring code and data', async () => {
		const res = await api.post(api.appPath(appId, '/revisions/' + n + '/restore'), {data: true});
		showInfo('Restored revision ' + n + ' with its data as revision ' + res.revision.n + '.');
		return res;
	});
}
