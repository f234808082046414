// logs.js: an app's logs, live. Reads GET /api/apps/{id}/logs/stream (server-sent
// events through fetch, since EventSource cannot send the Authorization header): the
// last records, then each new one as the app writes it; when the stream ends or breaks
// it reconnects with Last-Event-ID, so nothing is shown twice or lost.
// Every line shows its time and stream (err in red); each run begins with a rule and
// its "run started" line; the view follows new lines unless the reader scrolled up
// (then a button jumps back down). Above the log, a crash of the latest run is put in
// one plain line (logsummary.js), its raw lines and the request ids behind a toggle.
import {h} from './dom.js';
import * as api from './api.js';
import {summarizeCrash} from './logsummary.js';

const TAIL = 200;
const MAX_LINES = 2000;            // older lines leave the page
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;

// Parses server-sent events out of text; returns [events, rest not yet complete].
export function parseEvents(text) {
	const events = [];
	const blocks = text.replace(/\r\n/g, '\n').split('\n\n');
	const rest = blocks.pop();
	for (const block of blocks) {
		const ev = {id: null, data: []};
		for (const line of block.split('\n')) {
			if (line.startsWith(':'))
				continue;
			const i = line.indexOf(':');
			const field = i < 0 ? line : line.slice(0, i);
			const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
			if (field === 'id')
				ev.id = value;
			else if (field === 'data')
				ev.data.push(value);
		}
		if (ev.data.length)
			events.push({id: ev.id, data: ev.data.join('\n')});
	}
	return [events, rest];
}

export class LogsPanel {
	constructor(appId, opts = {}) {
		this.id = appId;
		this.signal = opts.signal;
		this.lastId = null;
		this.retryMs = RETRY_MIN_MS;
		this.requestIds = [];
		this.run = [];                 // records of the latest run, for the summary
		this.stopped = false;
		this.follow = true;
		this.list = h('div', {class: 'logs', id: 'logs', role: 'log', tabindex: '0', 'aria-label': 'App logs'});
		this.list.addEventListener('scroll', () => {
			this.follow = this.atEnd();
			this.jump.hidden = this.follow;
		});
		this.jump = h('button', {type: 'button', class: 'secondary small', id: 'logs-jump', hidden: true},
			'New lines below: follow the log');
		this.jump.addEventListener('click', () => {
			this.follow = true;
			this.jump.hidden = true;
			this.list.scrollTop = this.list.scrollHeight;
		});
		this.state = h('span', {class: 'muted', id: 'logs-live', 'aria-live': 'polite'}, 'connecting…');
		this.summary = h('div', {id: 'logs-summary'});
		this.note = h('p', {class: 'muted', id: 'logs-note'});
		this.el = h('section', {class: 'card logs-card', 'aria-labelledby': 'logs-h'},
			h('div', {class: 'section-head'}, h('h2', {id: 'logs-h'}, 'Logs'), this.state),
			this.summary, this.note, this.list, this.jump);
	}

	atEnd() {
		return this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
	}

	stop() {
		this.stopped = true;
	}

	// The stream, again and again until stopped: a stream ends at the server's will
	// (lifetime, token expiry) or breaks; the next one resumes after the last event.
	async start() {
		while (!this.stopped) {
			try {
				await this.readStream();
				this.retryMs = RETRY_MIN_MS;
			} catch (e) {
				if (e.name === 'AbortError' || this.stopped)
					return;
				if (e.status === 404 || e.status === 401) {
					this.state.textContent = 'not live';
					this.note.textContent = api.describeError(e, 'Following the logs');
					return;
				}
				this.state.textContent = 'reconnecting…';
				if (e.status === 429 && e.retryAfter)
					this.retryMs = Math.max(this.retryMs, e.retryAfter * 1000);
			}
			await new Promise((r) => setTimeout(r, this.retryMs));
			this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
		}
	}

	async readStream() {
		const res = await api.stream(api.appPath(this.id, '/logs/stream?tail=' + TAIL),
			{signal: this.signal, lastEventId: this.lastId});
		const rid = res.headers.get('X-Request-Id');
		if (rid && !this.requestIds.includes(rid))
			this.requestIds = [...this.requestIds.slice(-4), rid];
		this.state.textContent = 'live';
		const reader = res.body.getReader();
		const dec = new TextDecoder();
		let buf = '';
		for (;;) {
			const {value, done} = await reader.read();
			if (done || this.stopped)
				break;
			let events;
			[events, buf] = parseEvents(buf + dec.decode(value, {stream: true}));
			this.add(events);
		}
		this.state.textContent = 'reconnecting…';
	}

	add(events) {
		if (!events.length)
			return;
		const follow = this.follow;
		for (const ev of events) {
			let rec;
			try {
				rec = JSON.parse(ev.data);
			} catch {
				continue;
			}
			if (ev.id)
				this.lastId = ev.id;
			this.addRecord(rec);
		}
		while (this.list.childElementCount > MAX_LINES)
			this.list.firstElementChild.remove();
		this.note.textContent = '';
		this.drawSummary();
		if (follow)
			this.list.scrollTop = this.list.scrollHeight;
		else
			this.jump.hidden = false;
	}

	addRecord(rec) {
		const stream = ['out', 'err', 'sys'].includes(rec.stream) ? rec.stream : 'out';
		const text = typeof rec.text === 'string' ? rec.text : '';
		const starts = stream === 'sys' && /^run started/.test(text);
		if (starts) {
			this.run = [];
			if (this.list.childElementCount)
				this.list.append(h('hr', {class: 'log-run', 'aria-hidden': 'true'}));
		}
		this.run.push({at: rec.at, stream, text});
		const at = typeof rec.at === 'string' ? rec.at : null;
		this.list.append(h('div', {class: 'log-line log-' + stream + (stream === 'sys' ? ' log-run-mark' : '')},
			h('time', {class: 'log-time', datetime: at || null, title: at || 'no time recorded'},
				at ? at.slice(11, 23) : '--:--:--.---'),
			' ', h('span', {class: 'log-stream'}, stream), ' ', h('span', {class: 'log-text'}, text)));
	}

	drawSummary() {
		const crash = summarizeCrash(this.run);
		if (!crash) {
			this.summary.replaceChildren();
			return;
		}
		const details = h('details', {class: 'log-details'},
			h('summary', null, 'Details: the raw lines and request ids'),
			h('pre', {class: 'log-raw'}, crash.lines.map((r) => (r.at || '-') + ' ' + r.stream + ' ' + r.text).join('\n')),
			h('p', {class: 'muted'}, 'Request ids of the log stream: ', this.requestIds.join(', ') || 'none'));
		this.summary.replaceChildren(h('div', {class: 'notice notice-error log-crash', role: 'status'},
			h('strong', null, 'The app crashed: '), h('span', {id: 'logs-crash'}, crash.summary), details));
	}
}
