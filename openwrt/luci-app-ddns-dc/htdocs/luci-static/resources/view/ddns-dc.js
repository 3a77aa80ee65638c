'use strict';
'require view';
'require rpc';
'require ui';
'require form';
'require uci';
'require poll';
'require dom';

/*
 * Dynamic DNS (Domain Connect): the ddns-dc page under Services. Everything it knows comes from
 * the rpcd plugin /usr/libexec/rpcd/ddns-dc (`ddns-dc rpcd`); every reply is one JSON object,
 * and a failure is {"error": {"class", "message"}} with ubus status 0, so each reply is checked
 * for .error. The backend never sends a token; the page never shows one. Text from the backend
 * is always put into the page as text (inside an array: a lone string would be HTML to dom.append).
 *
 * The table refreshes with `status` (what is stored and what the last update did: no packet);
 * only "Check now" (`check`) and the Add form's Check (`probe`) ask the network. Each name's
 * state is a stable code with arguments, turned here into a sentence of the page's own that
 * names its buttons; a code this page does not know shows the backend's sentence.
 */

var callStatus = rpc.declare({
	object: 'ddns-dc',
	method: 'status',
	expect: { '': {} },
	reject: true
});

var callCheck = rpc.declare({
	object: 'ddns-dc',
	method: 'check',
	params: [ 'name' ],
	expect: { '': {} },
	reject: true
});

var callProbe = rpc.declare({
	object: 'ddns-dc',
	method: 'probe',
	params: [ 'name', 'zone' ],
	expect: { '': {} },
	reject: true
});

var callLog = rpc.declare({
	object: 'ddns-dc',
	method: 'log',
	expect: { '': {} },
	reject: true
});

var callBegin = rpc.declare({
	object: 'ddns-dc',
	method: 'begin',
	params: [ 'name', 'zone', 'ipv4', 'ipv6', 'ipv6_suffix' ],
	expect: { '': {} },
	reject: true
});

var callFinish = rpc.declare({
	object: 'ddns-dc',
	method: 'finish',
	params: [ 'name', 'code' ],
	expect: { '': {} },
	reject: true
});

var callUpdate = rpc.declare({
	object: 'ddns-dc',
	method: 'update',
	params: [ 'name', 'force' ],
	expect: { '': {} },
	reject: true
});

var callRemove = rpc.declare({
	object: 'ddns-dc',
	method: 'remove',
	params: [ 'name' ],
	expect: { '': {} },
	reject: true
});

var callSchedule = rpc.declare({
	object: 'ddns-dc',
	method: 'schedule',
	params: [ 'minutes' ],
	expect: { '': {} },
	reject: true
});

/* The choices of "Update every"; status may report another value set by hand. */
var SCHEDULES = [ 0, 5, 10, 30, 60 ];

/* The families a name can publish, in the order of the table's columns. */
var FAMILIES = [ 'ipv4', 'ipv6' ];

/* Colours of the states: in sync, needs a look, needs the owner, waits for the owner, unknown. */
var GOOD = '#2e7d32', WARN = '#b26a00', BAD = '#c62828', INFO = '#1565c0', NONE = '#616161';

/* A backend reply, or a rejection carrying the backend's one-line message. */
function backend(promise) {
	return promise.then(function(reply) {
		if (L.isObject(reply) && L.isObject(reply.error)) {
			var err = new Error(String(reply.error.message || _('ddns-dc failed without saying why.')));
			err.errorClass = reply.error['class'];
			throw err;
		}
		return reply;
	});
}

/* The first line of an error: LuCI appends a stack trace to its own RPC errors. */
function oneLine(err) {
	return String((err && err.message) || err).split(/\n/)[0];
}

function now() {
	return Math.floor(Date.now() / 1000);
}

function ago(ts) {
	if (ts == null)
		return _('never');
	var s = Math.max(0, now() - ts);
	if (s < 60)
		return _('just now');
	if (s < 3600)
		return _('%d min ago').format(Math.floor(s / 60));
	if (s < 86400)
		return _('%d h ago').format(Math.floor(s / 3600));
	return _('%d days ago').format(Math.floor(s / 86400));
}

function until(ts) {
	var s = ts - now();
	if (s <= 0)
		return null;
	if (s < 3600)
		return _('%d min').format(Math.max(1, Math.floor(s / 60)));
	if (s < 86400)
		return _('%d h').format(Math.floor(s / 3600));
	return _('%d days').format(Math.floor(s / 86400));
}

/* A moment as the router's visitor reads a clock: 2026-11-27 10:02 (the browser's time zone). */
function clock(ts) {
	var d = new Date(ts * 1000);
	return '%04d-%02d-%02d %02d:%02d'.format(d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes());
}

function record(family) {
	return family == 'ipv6' ? 'AAAA' : 'A';
}

function familyName(family) {
	return family == 'ipv6' ? 'IPv6' : 'IPv4';
}

function addresses(list) {
	return (Array.isArray(list) && list.length) ? list.join(', ') : _('no record');
}

/* What a name publishes (`published`: family -> address, or null while nothing is published). */
function publishedFamilies(n) {
	return L.isObject(n.published) ? FAMILIES.filter(function(f) { return f in n.published; }) : [];
}

/* The badge of a name: its status, with a published-in-part name a warning, not an error. */
function stateOf(n) {
	if (n.status == 'error' && n.code == 'partial')
		return [ _('partly published'), WARN ];
	switch (n.status) {
	case 'in-sync':    return [ _('in sync'), GOOD ];
	case 'updated':    return [ _('updated'), GOOD ];
	case 'update-due': return [ _('update due'), WARN ];
	case 'pending':    return [ _('waiting for consent'), INFO ];
	case 'grant-lost': return [ _('grant lost'), BAD ];
	case 'conflict':   return [ _('conflict'), BAD ];
	case 'waiting':    return [ _('waiting'), WARN ];
	case 'error':      return [ _('error'), BAD ];
	case 'unknown':    return [ _('not run yet'), NONE ];
	default:           return [ String(n.status), NONE ];
	}
}

function badge(label, colour, state) {
	return E('span', {
		'class': 'ddns-dc-state',
		'data-state': String(state),
		'style': 'display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;white-space:nowrap;background:' + colour
	}, [ label ]);
}

/*
 * A name's state in a sentence of the page's own, from its `code` and `args` (docs/json.md,
 * `status --json`): [sentence, whether the backend's sentence adds detail worth a tooltip].
 * A code not known here gives null (the caller shows the backend's `text`).
 */
function sentence(n) {
	var a = L.isObject(n.args) ? n.args : {};
	var provider = n.provider || '?';
	switch (n.code) {
	case 'in-sync':
		return [ _('In sync: the last update found the records pointing at this router.'), false ];
	case 'updated':
		return [ _('The last update published this router\'s new address.'), false ];
	case 'update-due':
		return [ _('An update is due: press Update now, or wait for the next scheduled one.'), false ];
	case 'pending':
		var left = a.expires_at != null ? until(a.expires_at) : null;
		if (a.expires_at != null && !left)
			return [ _('The consent request has expired: press Reconnect to start again.'), false ];
		return [ left
			? _('Waiting for your consent at %s (for another %s): finish it in the Add form, or press Reconnect to start again.').format(a.provider || provider, left)
			: _('Waiting for your consent at %s: finish it in the Add form, or press Reconnect to start again.').format(a.provider || provider), false ];
	case 'pending-expired':
		return [ _('The consent request has expired: press Reconnect to start again.'), false ];
	case 'grant-lost':
		return [ a.since != null
			? _('%s stopped accepting this name\'s grant (%s): press Reconnect.').format(provider, ago(a.since))
			: _('%s no longer accepts this name\'s grant: press Reconnect.').format(provider), false ];
	case 'conflict':
		if (a.record == null)
			return [ _('Another client keeps changing the record; ddns-dc stopped repairing it. Press Update now to take it over.'), true ];
		return [ _('Another client keeps setting the %s record to %s (%d times since %s); ddns-dc stopped repairing it. Press Update now to take it over.')
			.format(a.record, a.value != null ? a.value : _('no record'), a.times, a.since != null ? clock(a.since) : '?'), true ];
	case 'retry-after':
		var pause = a.until != null ? until(a.until) : null;
		return [ pause
			? _('%s asked for a pause: ddns-dc sends it nothing for another %s.').format(provider, pause)
			: _('%s asked for a pause, which is over: press Update now.').format(provider), true ];
	case 'backoff':
		var wait = a.until != null ? until(a.until) : null;
		return [ wait
			? _('%s failed %d times in a row: ddns-dc tries again in %s, or press Update now.').format(provider, a.failures, wait)
			: _('%s failed %d times in a row: press Update now to try again.').format(provider, a.failures), true ];
	case 'partial':
		var missing = publishedFamilies(n).filter(function(f) { return n.published[f] == null; });
		if (missing.length == 1)
			return [ _('Published in part: no public %s address could be detected. If this network has none, press Reconnect to set the name up without it.').format(familyName(missing[0])), true ];
		return [ _('Published in part: one address family could not be detected.'), true ];
	case 'not-detected':
		return [ _('The public address could not be detected: check the internet connection, then press Update now.'), true ];
	case 'address-refused':
		return [ _('The address found is not a public one (a private or carrier-grade NAT address), so it was not published. Check now shows what was seen.'), true ];
	case 'not-sent':
		return [ _('The update did not reach %s (a network or DNS problem): the next run tries again, or press Update now.').format(provider), true ];
	case 'records-conflict':
		return [ _('%s refused the update because other records of the name conflict with it: remove them at the provider, then press Update now.').format(provider), true ];
	case 'not-published':
		return [ _('%s accepts the update, but its name servers never show it; ddns-dc stopped sending it. Press Update now to send it again.').format(provider), true ];
	case 'not-run':
		return [ _('No update has run since the router started: press Update now, or Check now to see where the name stands.'), false ];
	case 'unknown':
		return [ _('Nothing is known about this name yet: press Check now.'), false ];
	default:
		return null;
	}
}

/* The state cell: the badge and the sentence (the backend's own sentence in its tooltip). */
function stateCell(n) {
	var s = stateOf(n);
	var said = sentence(n);
	var text = said ? said[0] : String(n.text || '');
	var detail = (said && said[1] && n.text) ? String(n.text) : '';
	if (n.code == 'partial' && L.isObject(n.args) && n.args.why)
		detail = String(n.args.why);
	return [
		badge(s[0], s[1], n.status),
		text ? E('div', { 'class': 'ddns-dc-reason', 'data-code': String(n.code), 'title': detail }, [ E('small', {}, [ text ]) ]) : ''
	];
}

/* Whether Update now sends even what ddns would hold back: a conflict, a value the provider
 * never published and a back-off end with `--force` (docs/usage.md, defending the record). */
function forcing(n) {
	return n.code == 'conflict' || n.code == 'not-published' || n.code == 'backoff';
}

function field(id, label, input, help) {
	return E('div', { 'class': 'cbi-value' }, [
		E('label', { 'class': 'cbi-value-title', 'for': id }, [ label ]),
		E('div', { 'class': 'cbi-value-field' }, [
			input,
			E('div', { 'class': 'ddns-dc-error', 'id': id + '-error', 'style': 'color:#c62828;padding-top:.25em' }),
			help ? E('div', { 'class': 'cbi-value-description' }, [ help ]) : ''
		])
	]);
}

function showError(id, err) {
	var node = document.getElementById(id + '-error');
	if (node)
		dom.content(node, err ? [ oneLine(err) ] : null);
}

/* A notification; news (not failures) goes away by itself where LuCI can do that. */
function notify(text, type) {
	if (!type && typeof ui.addTimeLimitedNotification == 'function')
		ui.addTimeLimitedNotification(null, E('p', {}, [ text ]), 10000, 'info');
	else
		ui.addNotification(null, E('p', {}, [ text ]), type || 'info');
}

/* The on_change option: empty, or an absolute path of plain names inside /etc/ddns/ or
 * /usr/share/ddns-dc/ (ddns-dc runs no other: DDNS_ON_CHANGE_DIRS in the hook and cron line). */
function onChangeValid(section_id, value) {
	if (value == null || value === '')
		return true;
	var parts = String(value).split('/');
	var plain = parts[0] === '' && parts.slice(1).every(function(p) { return p !== '' && p !== '.' && p !== '..'; });
	/* (No regular expression with a slash in a class: xgettext, which reads this file for
	 * the translations, would end the expression there.) */
	var inside = [ '/etc/ddns/', '/usr/share/ddns-dc/' ].some(function(dir) {
		var v = String(value);
		return v.indexOf(dir) === 0 && v.length > dir.length && v.charAt(dir.length) !== '/';
	});
	return (plain && inside) ? true : _('Give the full path of a program in /etc/ddns/ or /usr/share/ddns-dc/.');
}

/* A line per record of an update reply. */
function updateSummary(reply) {
	var out = [];
	(reply.names || []).forEach(function(n) {
		if (n.error)
			out.push('%s: %s'.format(n.name, n.error.message));
		(n.records || []).forEach(function(r) {
			var what = n.name + ' ' + r.record;
			switch (r.action) {
			case 'unchanged':
				out.push(_('%s: unchanged (%s)').format(what, r['new']));
				break;
			case 'published':
				out.push(_('%s: published %s').format(what, r['new']));
				break;
			case 'updated':
				out.push(_('%s: updated %s → %s').format(what, r.old, r['new']));
				break;
			case 're-sent':
				out.push(_('%s: sent again %s (%s)').format(what, r['new'],
					r.why == '--force' ? _('forced by Update now') : (r.why == 'weekly keep-alive' ? _('weekly keep-alive') : String(r.why || ''))));
				break;
			case 'not-published':
				out.push(_('%s: not published (no address detected)').format(what));
				break;
			default:
				out.push('%s: %s %s'.format(what, r.action, r['new'] || ''));
			}
		});
		var v = n.verified;
		if (L.isObject(v) && v.result == 'seen' && v.servers)
			out.push(_('visible at %d of %d name servers after %s s').format(v.visible, v.servers, (v.after_ms / 1000).toFixed(1)));
	});
	return out;
}

/* Why a history entry changed the record. */
function whyChanged(why, old) {
	switch (why) {
	case 'changed':   return old ? _('the public address changed') : _('published for the first time');
	case 'repaired':  return _('repaired: DNS showed another value');
	case 'forced':    return _('sent with Update now (forced)');
	case 'seen-late': return _('seen late at the zone\'s servers');
	default:          return String(why);
	}
}

/* The table of a Check now reply: per family the public address, what was published, what DNS
 * and the zone's own servers answer. */
function checkFamilies(c) {
	var families = L.isObject(c.families) ? c.families : {};
	var rows = FAMILIES.filter(function(f) { return L.isObject(families[f]); }).map(function(f) {
		var x = families[f];
		var source = x.source ? _('seen by %s').format(x.source + (x.millis != null ? ', ' + x.millis + ' ms' : '')) : '';
		var zone = Array.isArray(x.authoritative)
			? E('span', {}, [ addresses(x.authoritative) ])
			: E('span', { 'title': String(x.authoritative_error || '') }, [ _('could not be asked') ]);
		return E('tr', { 'class': 'tr', 'data-family': f }, [
			E('td', { 'class': 'td' }, [ E('strong', {}, [ record(f) ]) ]),
			E('td', { 'class': 'td', 'title': source }, [ x['public'] || _('not detected') ]),
			E('td', { 'class': 'td' }, [ x.published || _('nothing yet') ]),
			E('td', { 'class': 'td' }, [ addresses(x.dns) ]),
			E('td', { 'class': 'td' }, [ zone ])
		]);
	});
	if (!rows.length)
		return '';
	return E('table', { 'class': 'table', 'style': 'margin:.4em 0' }, [
		E('tr', { 'class': 'tr table-titles' }, [
			E('th', { 'class': 'th' }, [ _('Record') ]),
			E('th', { 'class': 'th' }, [ _('Public address') ]),
			E('th', { 'class': 'th' }, [ _('Published') ]),
			E('th', { 'class': 'th' }, [ _('DNS answers') ]),
			E('th', { 'class': 'th' }, [ _('The zone\'s servers answer') ])
		])
	].concat(rows));
}

/* Why a checked name is due, per family, from what the check saw. */
function dueReasons(c) {
	var families = L.isObject(c.families) ? c.families : {};
	var out = [];
	FAMILIES.forEach(function(f) {
		var x = families[f];
		if (!L.isObject(x) || !x['public'])
			return;
		if (x.published != x['public'])
			out.push(x.published
				? _('%s: the public address is now %s, %s was published').format(record(f), x['public'], x.published)
				: _('%s: %s is not published yet').format(record(f), x['public']));
		else if (Array.isArray(x.authoritative) && x.authoritative.indexOf(x.published) < 0)
			out.push(_('%s: the zone\'s servers answer %s, not the published %s').format(record(f), addresses(x.authoritative), x.published));
	});
	return out;
}

/* The verdict of a Check now reply in the page's words: [sentence, colour]. */
function checkVerdict(c) {
	switch (c.status) {
	case 'in-sync':
		return [ _('In sync: DNS shows this router\'s public address; nothing to send.'), GOOD ];
	case 'update-due':
		return [ _('Update due: press Update now, or wait for the next scheduled update.'), WARN ];
	case 'pending':
		return [ _('Waiting for consent: finish it in the Add form, or press Reconnect.'), INFO ];
	case 'grant-lost':
		return [ _('The provider no longer accepts this name\'s grant: press Reconnect.'), BAD ];
	case 'conflict':
		return [ _('Another client keeps changing the record; ddns-dc stopped repairing it. Press Update now to take it over.'), BAD ];
	case 'waiting':
		return [ _('An update is due, but the provider asked for a pause or keeps failing.'), WARN ];
	default:
		return [ _('The check found a problem.'), BAD ];
	}
}

/* What the Add form's Check found (`probe`): [sentence, next step, colour]. */
function probeVerdict(p, name) {
	var provider = p.provider ? '%s (%s)'.format(p.provider, p.template || '?') : '?';
	var families = Array.isArray(p.families) ? p.families : [];
	var records = families.map(record).join(' + ');
	var reach = L.isObject(p.ipv4) ? p.ipv4.reach : null;
	switch (p.code) {
	case 'works':
		return [
			reach == 'nat'
				? _('%s can be kept up to date with %s (%s). This router is behind another router, whose port forwarding decides what the address reaches.').format(name, provider, records)
				: _('%s can be kept up to date with %s (%s).').format(name, provider, records),
			_('Next: press Connect and approve at the provider.'), GOOD ];
	case 'works-ipv6-only':
		return [
			reach == 'cgnat'
				? _('IPv4 is behind carrier-grade NAT, so only an AAAA record can reach this network: %s can be kept up to date with %s over IPv6.').format(name, provider)
				: _('The public IPv4 address could not be detected: %s can be kept up to date with %s over IPv6.').format(name, provider),
			_('Next: press Connect; the form is set to publish IPv6 only.'), GOOD ];
	case 'cgnat-no-ipv6':
		return [ _('IPv4 is behind carrier-grade NAT and there is no public IPv6 address, so no DNS record can reach this network.'),
			_('Next: ask the internet provider for a public IPv4 address or for IPv6.'), BAD ];
	case 'provider-unsupported':
		return [ _('The DNS provider of %s does not offer dynamic DNS through Domain Connect.').format(p.zone || name),
			_('Next: use a name in a zone at a provider that supports Domain Connect (e.g. IONOS, GoDaddy).'), BAD ];
	case 'no-zone':
		return [ _('The zone of %s could not be found in DNS.').format(name),
			_('Next: check the name, or enter its zone.'), BAD ];
	case 'unknown':
		return [ _('Could not tell whether %s will work.').format(name),
			_('Next: try again when the network works.'), WARN ];
	default:
		return [ String(p.text || ''), String(p.next || ''), p.verdict == 'works' ? GOOD : WARN ];
	}
}

return view.extend({
	load: function() {
		return Promise.all([
			backend(callStatus()).catch(function(err) { return { error: oneLine(err) }; }),
			backend(callLog()).catch(function(err) { return { error: oneLine(err) }; }),
			uci.load('ddns-dc')
		]);
	},

	/* The status table, redrawn from a `status` reply (kept, so that Check now and History
	 * can redraw it without asking again). */
	renderStatus: function(status) {
		var node = document.getElementById('ddns-dc-status');
		if (!node)
			return;
		this.status = status;
		if (status.error) {
			dom.content(node, E('p', { 'class': 'alert-message warning' }, [ _('Cannot read the status: %s').format(status.error) ]));
			return;
		}
		this.schedule = (L.isObject(status.schedule) && status.schedule.minutes != null) ? +status.schedule.minutes : null;
		this.followRoute(status);
		var names = Array.isArray(status.names) ? status.names : [];
		this.busy = !!status.running || names.some(function(n) { return n.status == 'pending'; });
		var rows = [];
		names.forEach(L.bind(function(n) {
			rows.push(this.renderRow(n));
			var more = this.renderDetails(n);
			if (more)
				rows.push(more);
		}, this));
		var children = [];
		if (status.running)
			children.push(E('p', { 'class': 'spinning', 'id': 'ddns-dc-running' }, [ _('An update is running; the table follows when it is done.') ]));
		var run = status.last_run;
		if (L.isObject(run) && run.error)
			children.push(E('p', { 'class': 'alert-message warning', 'id': 'ddns-dc-run-error' }, [
				_('The last run (%s) ended before it reached the names: %s').format(ago(run.at), run.error)
			]));
		if (!names.length)
			children.push(E('p', { 'id': 'ddns-dc-empty' }, [ _('No names yet: add one below.') ]));
		else
			children.push(E('table', { 'class': 'table', 'id': 'ddns-dc-names' }, [
				E('tr', { 'class': 'tr table-titles' }, [
					E('th', { 'class': 'th' }, [ _('Name') ]),
					E('th', { 'class': 'th' }, [ _('State') ]),
					E('th', { 'class': 'th' }, [ _('IPv4') ]),
					E('th', { 'class': 'th' }, [ _('IPv6') ]),
					E('th', { 'class': 'th' }, [ _('Last update') ]),
					E('th', { 'class': 'th cbi-section-actions' }, [ '' ])
				])
			].concat(rows)));
		dom.content(node, children);
	},

	renderRow: function(n) {
		var published = L.isObject(n.published) ? n.published : {};
		var setUp = n.status != 'pending';
		var actions = [];
		if (!setUp || n.status == 'grant-lost' || n.code == 'partial')
			actions.push(E('button', {
				'class': 'btn cbi-button cbi-button-action ddns-dc-reconnect',
				'click': ui.createHandlerFn(this, 'handleReconnect', n)
			}, [ _('Reconnect') ]));
		if (setUp && n.status != 'grant-lost')
			actions.push(E('button', {
				'class': 'btn cbi-button cbi-button-apply ddns-dc-update',
				'title': forcing(n) ? _('Sends the address even though ddns-dc held it back.') : '',
				'click': ui.createHandlerFn(this, 'handleUpdate', n.name, forcing(n))
			}, [ _('Update now') ]));
		if (setUp)
			actions.push(E('button', {
				'class': 'btn cbi-button cbi-button-neutral ddns-dc-check',
				'title': _('Asks the network now: the public address, DNS and the zone\'s servers.'),
				'click': ui.createHandlerFn(this, 'handleCheck', n.name)
			}, [ _('Check now') ]));
		if (setUp)
			actions.push(E('button', {
				'class': 'btn cbi-button cbi-button-neutral ddns-dc-history',
				'aria-expanded': this.historyOpen[n.name] ? 'true' : 'false',
				'click': ui.createHandlerFn(this, 'handleHistory', n.name)
			}, [ this.historyOpen[n.name] ? _('Hide history') : _('History') ]));
		actions.push(E('button', {
			'class': 'btn cbi-button cbi-button-remove ddns-dc-remove',
			'click': ui.createHandlerFn(this, 'handleRemove', n.name)
		}, [ _('Remove') ]));

		var provider = [ n.provider || _('unknown provider') ];
		if (n.template)
			provider.push(E('br'), n.template);
		/* A consent never finished has no update of its own (a name removed and added again
		 * may still have one in the last-run file). */
		var run = (setUp && L.isObject(n.last_run)) ? n.last_run : null;
		return E('tr', { 'class': 'tr ddns-dc-row', 'data-name': String(n.name), 'data-state': String(n.status), 'data-code': String(n.code) }, [
			E('td', { 'class': 'td', 'data-title': _('Name') }, [
				E('strong', {}, [ n.name ]), E('br'), E('small', {}, provider)
			]),
			E('td', { 'class': 'td', 'data-title': _('State') }, stateCell(n)),
			E('td', { 'class': 'td ddns-dc-published', 'data-title': _('IPv4'), 'data-family': 'ipv4' }, [ this.publishedCell(published, 'ipv4') ]),
			E('td', { 'class': 'td ddns-dc-published', 'data-title': _('IPv6'), 'data-family': 'ipv6' }, [ this.publishedCell(published, 'ipv6') ]),
			E('td', { 'class': 'td ddns-dc-last', 'data-title': _('Last update') }, [
				E('span', { 'title': run ? clock(run.at) : '' }, [ run ? ago(run.at) : (setUp ? _('none since the router started') : '-') ]),
				n.last_applied != null
					? E('div', { 'title': clock(n.last_applied) }, [ E('small', { 'style': 'color:#777' }, [ _('record changed %s').format(ago(n.last_applied)) ]) ])
					: ''
			]),
			E('td', { 'class': 'td cbi-section-actions' }, [
				E('div', { 'style': 'display:grid;grid-template-columns:repeat(2,max-content);gap:.3em;justify-content:end' }, actions)
			])
		]);
	},

	/* A family's cell: what was published (not a family of the name: a dash). */
	publishedCell: function(published, family) {
		if (!(family in published))
			return E('span', { 'style': 'color:#777' }, [ '-' ]);
		if (published[family] == null)
			return E('span', { 'style': 'color:#777' }, [ _('nothing yet') ]);
		return E('span', { 'title': _('published') }, [ published[family] ]);
	},

	/* Under a name's row: the last Check now and, when open, its History. */
	renderDetails: function(n) {
		var parts = [];
		var check = this.checks[n.name];
		if (check)
			parts.push(this.renderCheck(n.name, check));
		if (this.historyOpen[n.name])
			parts.push(this.renderHistory(n));
		if (!parts.length)
			return null;
		return E('tr', { 'class': 'tr ddns-dc-details', 'data-name': String(n.name) }, [
			E('td', { 'class': 'td', 'colspan': '6', 'style': 'padding-left:2em' }, parts)
		]);
	},

	renderCheck: function(name, check) {
		var out = E('div', { 'class': 'ddns-dc-check-result', 'data-name': String(name), 'style': 'margin-bottom:.6em' });
		var heading = E('strong', {}, [ _('Check now (%s):').format(ago(check.at)) ]);
		if (check.error) {
			dom.append(out, [ heading, ' ', E('span', { 'style': 'color:' + BAD }, [ check.error ]) ]);
			return out;
		}
		var c = check.reply;
		var v = checkVerdict(c);
		dom.append(out, [
			heading, ' ',
			E('span', { 'class': 'ddns-dc-check-verdict', 'data-state': String(c.status), 'style': 'color:' + v[1] }, [ v[0] ])
		]);
		var why = c.status == 'update-due' ? dueReasons(c) : [];
		if (c.status == 'update-due' && !why.length && c.reason)
			why.push(String(c.reason));
		if (c.status != 'in-sync' && c.status != 'update-due' && c.status != 'pending' && c.reason)
			why.push(String(c.reason));
		why.forEach(function(line) {
			dom.append(out, E('div', {}, [ E('small', {}, [ line ]) ]));
		});
		var table = checkFamilies(c);
		if (table)
			dom.append(out, table);
		return out;
	},

	renderHistory: function(n) {
		var out = E('div', { 'class': 'ddns-dc-history-list', 'data-name': String(n.name) }, [
			E('strong', {}, [ _('History') ])
		]);
		var entries = Array.isArray(n.history) ? n.history.slice().reverse() : [];
		if (!entries.length)
			dom.append(out, E('p', {}, [ E('em', {}, [ _('No change of the records is recorded yet.') ]) ]));
		else
			dom.append(out, E('table', { 'class': 'table', 'style': 'margin:.4em 0' }, [
				E('tr', { 'class': 'tr table-titles' }, [
					E('th', { 'class': 'th' }, [ _('Time') ]),
					E('th', { 'class': 'th' }, [ _('Record') ]),
					E('th', { 'class': 'th' }, [ _('Change') ]),
					E('th', { 'class': 'th' }, [ _('Why') ])
				])
			].concat(entries.map(function(h) {
				return E('tr', { 'class': 'tr ddns-dc-history-entry', 'data-why': String(h.why) }, [
					E('td', { 'class': 'td', 'title': ago(h.at) }, [ clock(h.at) ]),
					E('td', { 'class': 'td' }, [ record(h.family) ]),
					E('td', { 'class': 'td' }, [ (h.old || _('no record')) + ' → ' + h['new'] ]),
					E('td', { 'class': 'td' }, [ whyChanged(h.why, h.old) ])
				]);
			}))));
		var notes = [];
		var unseen = L.isObject(n.unseen) ? n.unseen : {};
		FAMILIES.forEach(function(f) {
			var u = unseen[f];
			if (L.isObject(u))
				notes.push(_('%s %s: accepted by the provider %s, but its name servers do not show it yet (sent %d times).')
					.format(record(f), u.value, ago(u.since), u.applies));
		});
		var foreign = L.isObject(n.foreign) ? n.foreign : {};
		FAMILIES.forEach(function(f) {
			var x = foreign[f];
			if (L.isObject(x) && Array.isArray(x.undid) && x.undid.length)
				notes.push(_('%s: another client set %s in place of ours %d times, last %s.')
					.format(record(f), x.value != null ? x.value : _('no record'), x.undid.length, ago(x.undid[x.undid.length - 1])));
		});
		notes.forEach(function(line) {
			dom.append(out, E('div', { 'class': 'ddns-dc-history-note' }, [ E('small', {}, [ line ]) ]));
		});
		return out;
	},

	/* The Add form's IPv6 box starts as setup's default does: ticked when this router has a
	 * global IPv6 route, until the owner or a Check sets it. */
	followRoute: function(status) {
		var box = document.getElementById('ddns-dc-ipv6');
		if (!box || this.familiesChosen || typeof status.ipv6_route != 'boolean')
			return;
		box.checked = status.ipv6_route;
		var note = document.getElementById('ddns-dc-ipv6-route');
		if (note)
			dom.content(note, status.ipv6_route
				? [ _('This router has a global IPv6 route.') ]
				: [ _('This router has no global IPv6 route now, so the box starts unticked.') ]);
	},

	renderLog: function(log) {
		var node = document.getElementById('ddns-dc-log');
		if (!node)
			return;
		if (log.error)
			dom.content(node, [ _('Cannot read the log: %s').format(log.error) ]);
		else
			dom.content(node, [ (Array.isArray(log.lines) && log.lines.length) ? log.lines.join('\n') : _('No log lines from ddns-dc yet.') ]);
	},

	refresh: function() {
		this.lastRefresh = Date.now();
		return Promise.all([
			backend(callStatus()).catch(function(err) { return { error: oneLine(err) }; }),
			backend(callLog()).catch(function(err) { return { error: oneLine(err) }; })
		]).then(L.bind(function(res) {
			this.renderStatus(res[0]);
			this.renderLog(res[1]);
		}, this));
	},

	/* The poll: `status` sends no packet, so every 5 s while an update runs in the background or
	 * a consent is pending, else every 15 s; not while a button's call is on its way (its own
	 * refresh follows). */
	pollStatus: function() {
		if (this.acting > 0)
			return Promise.resolve();
		if (!this.busy && Date.now() - (this.lastRefresh || 0) < 14000)
			return Promise.resolve();
		return this.refresh();
	},

	/* Runs a button's call with the poll held off. */
	act: function(promise) {
		this.acting = (this.acting || 0) + 1;
		var done = L.bind(function() { this.acting--; }, this);
		return promise.then(function(v) { done(); return v; }, function(err) { done(); throw err; });
	},

	handleUpdate: function(name, force) {
		delete this.checks[name];
		return this.act(backend(callUpdate(name, !!force))).then(L.bind(function(reply) {
			if (reply.running)
				notify(_('The update of %s goes on in the background; the table shows it when it is done.').format(name));
			else {
				var lines = updateSummary(reply);
				var failed = (reply.names || []).some(function(n) { return n.status == 'error'; });
				notify(lines.length ? lines.join('; ') : _('%s: nothing to do.').format(name), failed ? 'warning' : 'info');
			}
			return this.refresh();
		}, this)).catch(function(err) {
			notify(_('Update of %s failed: %s').format(name, oneLine(err)), 'danger');
		});
	},

	/* Check now: the network check of one name, shown under its row until its next update. */
	handleCheck: function(name) {
		return this.act(backend(callCheck(name))).then(L.bind(function(reply) {
			var c = (Array.isArray(reply.names) ? reply.names : []).filter(function(x) { return x.name == name; })[0];
			this.checks[name] = c ? { at: now(), reply: c } : { at: now(), error: _('The check did not report %s.').format(name) };
		}, this), L.bind(function(err) {
			this.checks[name] = { at: now(), error: oneLine(err) };
		}, this)).then(L.bind(function() {
			return this.refresh();
		}, this));
	},

	handleHistory: function(name) {
		this.historyOpen[name] = !this.historyOpen[name];
		if (this.status)
			this.renderStatus(this.status);
		return Promise.resolve();
	},

	handleRemove: function(name) {
		var view = this;
		/* The title as text (in an array): a lone string would be HTML to LuCI's dom.create. */
		ui.showModal([ _('Remove %s').format(name) ], [
			E('p', {}, [ _('Stop updating %s and forget its grant? Its DNS records stay as they are; adding it again needs the consent page.').format(name) ]),
			E('div', { 'class': 'right' }, [
				E('button', { 'class': 'btn cbi-button', 'click': ui.hideModal }, [ _('Cancel') ]), ' ',
				E('button', {
					'class': 'btn cbi-button cbi-button-negative important ddns-dc-confirm-remove',
					'click': ui.createHandlerFn(view, function() {
						return backend(callRemove(name)).then(function() {
							ui.hideModal();
							notify(_('%s removed.').format(name));
							return view.refresh();
						}).catch(function(err) {
							ui.hideModal();
							notify(_('Removing %s failed: %s').format(name, oneLine(err)), 'danger');
						});
					})
				}, [ _('Remove') ])
			])
		]);
	},

	/* Reconnect = begin again for that name, in the "Add a name" form, with the records it has
	 * (a name published in part: without the family that could not be detected). */
	handleReconnect: function(n) {
		var families = publishedFamilies(n);
		if (n.code == 'partial')
			families = families.filter(function(f) { return n.published[f] != null; });
		document.getElementById('ddns-dc-name').value = n.name;
		if (families.length) {
			document.getElementById('ddns-dc-ipv4').checked = families.indexOf('ipv4') >= 0;
			document.getElementById('ddns-dc-ipv6').checked = families.indexOf('ipv6') >= 0;
			this.familiesChosen = true;
		}
		var add = document.getElementById('ddns-dc-add');
		if (add && add.scrollIntoView)
			add.scrollIntoView();
		return this.handleConnect();
	},

	/* The Add form's Check: will it work with this name (`probe`; nothing is set up). The
	 * record boxes follow the records the verdict says can be published. */
	handleProbe: function() {
		var name = document.getElementById('ddns-dc-name').value.trim();
		var zone = document.getElementById('ddns-dc-zone').value.trim();
		var result = document.getElementById('ddns-dc-probe-result');
		showError('ddns-dc-name', null);
		dom.content(result, null);
		if (!name) {
			showError('ddns-dc-name', _('Enter the name to keep up to date, e.g. home.example.com.'));
			return Promise.resolve();
		}
		dom.content(result, E('p', { 'class': 'spinning' }, [ _('Asking DNS, the provider and the IP sources…') ]));
		return this.act(backend(callProbe(name, zone || undefined))).then(L.bind(function(p) {
			var v = probeVerdict(p, p.name || name);
			var families = Array.isArray(p.families) ? p.families : [];
			if (families.length) {
				document.getElementById('ddns-dc-ipv4').checked = families.indexOf('ipv4') >= 0;
				document.getElementById('ddns-dc-ipv6').checked = families.indexOf('ipv6') >= 0;
				this.familiesChosen = true;
			}
			var facts = [];
			if (p.zone)
				facts.push(_('Zone: %s').format(p.zone));
			if (p.provider)
				facts.push(_('Provider: %s, template %s').format(p.provider, p.template || '?'));
			if (L.isObject(p.ipv4))
				facts.push(p.ipv4.wan && p.ipv4.wan != p.ipv4['public']
					? _('IPv4: %s (the WAN address is %s)').format(p.ipv4['public'] || _('not detected'), p.ipv4.wan)
					: _('IPv4: %s').format(p.ipv4['public'] || _('not detected')));
			if (L.isObject(p.ipv6))
				facts.push(_('IPv6: %s').format(p.ipv6['public'] || (p.ipv6.route ? _('not detected') : _('no global route'))));
			var detail = (p.code == 'provider-unsupported' || p.code == 'no-zone' || p.code == 'unknown') && p.text ? String(p.text) : '';
			dom.content(result, E('div', {
				'class': 'ddns-dc-probe-verdict',
				'data-code': String(p.code),
				'style': 'border-left:4px solid ' + v[2] + ';padding:.3em .8em;margin:.5em 0'
			}, [
				E('p', { 'style': 'margin:0;color:' + v[2] }, [ E('strong', {}, [ v[0] ]) ]),
				detail ? E('p', { 'style': 'margin:.2em 0' }, [ E('small', {}, [ detail ]) ]) : '',
				E('p', { 'class': 'ddns-dc-probe-facts', 'style': 'margin:.2em 0;color:#555' }, [ E('small', {}, [ facts.join(' · ') ]) ]),
				E('p', { 'class': 'ddns-dc-probe-next', 'style': 'margin:.2em 0' }, [ v[1] ])
			]));
		}, this)).catch(function(err) {
			dom.content(result, null);
			showError('ddns-dc-name', err);
		});
	},

	handleConnect: function() {
		var name = document.getElementById('ddns-dc-name').value.trim();
		var zone = document.getElementById('ddns-dc-zone').value.trim();
		var ipv4 = document.getElementById('ddns-dc-ipv4').checked;
		var ipv6 = document.getElementById('ddns-dc-ipv6').checked;
		var suffix = document.getElementById('ddns-dc-suffix').value.trim();
		showError('ddns-dc-name', null);
		showError('ddns-dc-code', null);
		dom.content(document.getElementById('ddns-dc-consent'), null);
		if (!name) {
			showError('ddns-dc-name', _('Enter the name to keep up to date, e.g. home.example.com.'));
			return Promise.resolve();
		}
		if (!ipv4 && !ipv6) {
			showError('ddns-dc-name', _('Tick IPv4, IPv6 or both: the records to publish.'));
			return Promise.resolve();
		}
		return this.act(backend(callBegin(name, zone || undefined, ipv4, ipv6, (ipv6 && suffix) ? suffix : undefined))).then(L.bind(function(reply) {
			this.consentFor = reply.name || name;
			var provider = reply.provider || _('the provider');
			var left = reply.expires_at ? until(reply.expires_at) : null;
			dom.content(document.getElementById('ddns-dc-consent'), [
				E('p', {}, [
					E('a', {
						'id': 'ddns-dc-consent-link',
						'class': 'btn cbi-button cbi-button-action',
						'href': String(reply.url),
						'target': '_blank',
						'rel': 'noopener'
					}, [ _("Open %s's consent page").format(provider) ])
				]),
				E('p', {}, [ left
					? _('Approve there (within %s); the provider then shows a code, or ends on a page whose address carries it.').format(left)
					: _('Approve there; the provider then shows a code, or ends on a page whose address carries it.') ]),
				field('ddns-dc-code', _('Paste the code, or the address of the page you ended on'),
					E('input', { 'id': 'ddns-dc-code', 'type': 'text', 'class': 'cbi-input-text', 'style': 'width:100%' })),
				E('div', { 'class': 'cbi-value' }, [
					E('div', { 'class': 'cbi-value-field' }, [
						E('button', {
							'id': 'ddns-dc-finish',
							'class': 'btn cbi-button cbi-button-save',
							'click': ui.createHandlerFn(this, 'handleFinish')
						}, [ _('Finish') ])
					])
				])
			]);
			return this.refresh();
		}, this)).catch(function(err) {
			showError('ddns-dc-name', err);
		});
	},

	handleFinish: function() {
		var name = this.consentFor || document.getElementById('ddns-dc-name').value.trim();
		var code = document.getElementById('ddns-dc-code').value.trim();
		showError('ddns-dc-code', null);
		if (!code) {
			showError('ddns-dc-code', _('Paste the code the provider showed, or the address of its last page.'));
			return Promise.resolve();
		}
		return this.act(backend(callFinish(name, code))).then(L.bind(function(reply) {
			dom.content(document.getElementById('ddns-dc-consent'), [
				E('p', { 'id': 'ddns-dc-connected' }, [
					_('Connected %s at %s (%s); publishing its address now.').format(reply.name || name, reply.provider || '?', (reply.records || []).join(', '))
				])
			]);
			document.getElementById('ddns-dc-name').value = '';
			dom.content(document.getElementById('ddns-dc-probe-result'), null);
			this.consentFor = null;
			this.familiesChosen = false;
			return this.handleUpdate(name);
		}, this)).catch(function(err) {
			showError('ddns-dc-code', err);
		});
	},

	/* A box the owner ticks or unticks stays as they left it. */
	handleFamilyChosen: function() {
		this.familiesChosen = true;
	},

	renderAdd: function(status) {
		var route = !!status.ipv6_route;
		return E('div', { 'class': 'cbi-section', 'id': 'ddns-dc-add' }, [
			E('h3', {}, [ _('Add a name') ]),
			E('div', { 'class': 'cbi-section-descr' }, [
				_('The name must be in a zone whose DNS provider supports Domain Connect (e.g. IONOS, GoDaddy). Check tells whether it can work here before anything is set up; Connect opens the provider\'s consent page. No password is stored here.')
			]),
			field('ddns-dc-name', _('Name'),
				E('input', { 'id': 'ddns-dc-name', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': 'home.example.com' })),
			field('ddns-dc-zone', _('Zone'),
				E('input', { 'id': 'ddns-dc-zone', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': _('found from DNS') }),
				_('Only for a name in a delegated sub-zone.')),
			field('ddns-dc-ipv4', _('IPv4 (A)'),
				E('input', { 'id': 'ddns-dc-ipv4', 'type': 'checkbox', 'checked': 'checked', 'change': L.bind(this.handleFamilyChosen, this) }),
				_('Publish the public IPv4 address.')),
			field('ddns-dc-ipv6', _('IPv6 (AAAA)'),
				E('input', { 'id': 'ddns-dc-ipv6', 'type': 'checkbox', 'checked': route ? 'checked' : null, 'change': L.bind(this.handleFamilyChosen, this) }),
				E('span', {}, [ _('Also publish an IPv6 address.'), ' ', E('span', { 'id': 'ddns-dc-ipv6-route' }) ])),
			field('ddns-dc-suffix', _('IPv6 suffix'),
				E('input', { 'id': 'ddns-dc-suffix', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': '::1234:5678:9abc:def0' }),
				_('For a server behind the router: its interface identifier inside the router\'s /64. Empty: the router\'s own address.')),
			E('div', { 'class': 'cbi-value' }, [
				E('div', { 'class': 'cbi-value-field' }, [
					E('button', {
						'id': 'ddns-dc-probe',
						'class': 'btn cbi-button cbi-button-action',
						'title': _('Asks DNS, the provider and the IP sources whether this name can work; sets nothing up.'),
						'click': ui.createHandlerFn(this, 'handleProbe')
					}, [ _('Check') ]), ' ',
					E('button', {
						'id': 'ddns-dc-connect',
						'class': 'btn cbi-button cbi-button-add',
						'click': ui.createHandlerFn(this, 'handleConnect')
					}, [ _('Connect') ]),
					E('div', { 'id': 'ddns-dc-probe-result' })
				])
			]),
			E('div', { 'id': 'ddns-dc-consent' })
		]);
	},

	renderSettings: function() {
		var view = this;
		var m = new form.Map('ddns-dc', _('Settings'),
			_('When ddns-dc runs besides the buttons above: on WAN events (the hotplug hook) and every few minutes (cron).'));
		var s = m.section(form.NamedSection, 'hook', 'hook');
		s.anonymous = true;
		s.addremove = false;

		var o = s.option(form.Flag, 'enabled', _('Update on WAN events'),
			_('Run an update when one of the interfaces below comes up or changes address.'));
		o.default = o.enabled;
		o.rmempty = false;

		o = s.option(form.DynamicList, 'interface', _('Interfaces'));
		o.default = [ 'wan', 'wan6' ];
		o.depends('enabled', '1');

		o = s.option(form.DynamicList, 'name', _('Names'),
			_('The names the hook and the cron job update. None: every name set up.'));
		o.datatype = 'hostname';
		o.placeholder = 'home.example.com';

		o = s.option(form.Value, 'on_change', _('Program on change'),
			_('Run after each name whose record changed or whose update failed, e.g. a copy of <code>/usr/share/ddns-dc/on-change.example</code> in <code>/etc/ddns/</code>. Empty: none. Only a program in /etc/ddns/ or /usr/share/ddns-dc/ is run.'));
		o.placeholder = '/etc/ddns/on-change';
		o.validate = onChangeValid;

		/* Not UCI: the backend keeps one line in /etc/crontabs/root (applied by Save & Apply). */
		o = s.option(form.ListValue, '_schedule', _('Update every'),
			_('A cron job running <code>ddns-dc --syslog update</code>; applied with Save &amp; Apply.'));
		var choices = SCHEDULES.slice();
		if (this.schedule != null && choices.indexOf(this.schedule) < 0)
			choices.push(this.schedule);
		choices.forEach(function(min) {
			o.value(String(min), min ? _('%d minutes').format(min) : _('off'));
		});
		o.cfgvalue = function() {
			return view.schedule != null ? String(view.schedule) : '0';
		};
		o.write = function(section_id, value) {
			view.wantSchedule = +value;
		};
		o.remove = function() {};

		return m.render();
	},

	render: function(data) {
		var status = data[0] || {}, log = data[1] || {};
		this.schedule = (L.isObject(status.schedule) && status.schedule.minutes != null) ? +status.schedule.minutes : null;
		this.wantSchedule = null;
		this.checks = {};
		this.historyOpen = {};
		this.familiesChosen = false;
		this.acting = 0;

		var body = E([], [
			E('h2', {}, [ _('Dynamic DNS (Domain Connect)') ]),
			E('div', { 'class': 'cbi-map-descr' }, [
				_('ddns-dc keeps the A and AAAA records of your names pointing at this router\'s public address, through the DNS provider\'s Domain Connect interface.')
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, [ _('Names') ]),
				E('div', { 'id': 'ddns-dc-status' })
			]),
			this.renderAdd(status)
		]);

		return this.renderSettings().then(L.bind(function(settings) {
			var nodes = E('div', {}, [
				body,
				settings,
				E('div', { 'class': 'cbi-section' }, [
					E('h3', {}, [ _('Recent log') ]),
					E('pre', { 'id': 'ddns-dc-log', 'style': 'white-space:pre-wrap;max-height:20em;overflow:auto;font-size:90%' })
				])
			]);
			/* Filled once in the document (the ids are looked up there). */
			window.setTimeout(L.bind(function() {
				this.renderStatus(status);
				this.renderLog(log);
			}, this), 0);
			this.lastRefresh = Date.now();
			poll.add(L.bind(this.pollStatus, this), 5);
			return nodes;
		}, this));
	},

	handleSaveApply: function(ev, mode) {
		return this.handleSave(ev).then(L.bind(function() {
			return this.applySchedule();
		}, this)).then(function() {
			ui.changes.apply(mode == '0');
		});
	},

	/* Calls `schedule` when "Update every" was changed (it edits root's crontab at once). */
	applySchedule: function() {
		if (this.wantSchedule == null || this.wantSchedule === this.schedule)
			return Promise.resolve();
		var minutes = this.wantSchedule;
		return backend(callSchedule(minutes)).then(L.bind(function(reply) {
			this.schedule = reply.minutes != null ? +reply.minutes : minutes;
			this.wantSchedule = null;
		}, this)).catch(function(err) {
			notify(_('Could not change the schedule: %s').format(oneLine(err)), 'danger');
		});
	},

	handleSave: function(ev) {
		var tasks = [];
		document.getElementById('maincontent').querySelectorAll('.cbi-map').forEach(function(map) {
			tasks.push(dom.callClassMethod(map, 'save'));
		});
		return Promise.all(tasks);
	},

	handleReset: function(ev) {
		var tasks = [];
		document.getElementById('maincontent').querySelectorAll('.cbi-map').forEach(function(map) {
			tasks.push(dom.callClassMethod(map, 'reset'));
		});
		this.wantSchedule = null;
		return Promise.all(tasks);
	}
});
