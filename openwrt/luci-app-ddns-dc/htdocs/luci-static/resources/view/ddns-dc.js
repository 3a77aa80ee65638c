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
 */

var callStatus = rpc.declare({
	object: 'ddns-dc',
	method: 'status',
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
	params: [ 'name', 'zone', 'ipv6', 'ipv6_suffix' ],
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

function stateOf(status) {
	switch (status) {
	case 'in-sync':    return [ _('in sync'), '#2e7d32' ];
	case 'update-due': return [ _('update due'), '#b26a00' ];
	case 'pending':    return [ _('waiting for consent'), '#1565c0' ];
	case 'grant-lost': return [ _('grant lost'), '#c62828' ];
	case 'error':      return [ _('error'), '#c62828' ];
	default:           return [ String(status), '#616161' ];
	}
}

function badge(status) {
	var s = stateOf(status);
	return E('span', {
		'class': 'ddns-dc-state',
		'data-state': String(status),
		'style': 'display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;white-space:nowrap;background:' + s[1]
	}, [ s[0] ]);
}

function addresses(list) {
	return (Array.isArray(list) && list.length) ? list.join(', ') : '-';
}

/* One family of a name: what was published, what the router's public address is (where it was
 * seen, in the tooltip), what DNS answers (and the provider's own servers when they differ). */
function familyCell(family) {
	if (!L.isObject(family))
		return E('span', { 'class': 'ddns-dc-family' }, [ '-' ]);
	var source = family.source ? family.source + (family.millis != null ? ', ' + family.millis + ' ms' : '') : '';
	var dns = addresses(family.dns);
	var lines = [
		[ _('published'), family.published || '-', '' ],
		[ _('public'), family.public || '-', source ? _('seen by %s').format(source) : '' ],
		[ _('DNS'), dns, '' ]
	];
	if (Array.isArray(family.authoritative) && addresses(family.authoritative) != dns)
		lines.push([ _('provider'), addresses(family.authoritative), _('what the zone\'s own servers answer') ]);
	return E('div', { 'class': 'ddns-dc-family' }, lines.map(function(l) {
		return E('div', { 'style': 'white-space:nowrap', 'title': l[2] }, [
			E('small', { 'style': 'color:#777' }, [ l[0] + ' ' ]), E('span', {}, [ l[1] ])
		]);
	}));
}

function grantState(n) {
	if (n.status == 'pending' && L.isObject(n.pending)) {
		var expires = until(n.pending.expires_at);
		return expires ? _('consent page open, expires in %s').format(expires) : _('consent request expired');
	}
	if (n.status == 'grant-lost')
		return _('grant lost: reconnect');
	/* An access token lasts about an hour; the refresh token renews it at the next update. */
	var left = n.access_token_expires_at != null ? until(n.access_token_expires_at) : null;
	if (n.has_refresh_token)
		return left ? _('access valid for %s, renewable').format(left) : _('renewed at the next update');
	return left ? _('access valid for %s, not renewable').format(left) : _('no access: reconnect');
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
	var inside = /^\/etc\/ddns\/[^\/]/.test(value) || /^\/usr\/share\/ddns-dc\/[^\/]/.test(value);
	return (plain && inside) ? true : _('Give the full path of a program in /etc/ddns/ or /usr/share/ddns-dc/.');
}

/* A line per record of an update reply. */
function updateSummary(reply) {
	var out = [];
	(reply.names || []).forEach(function(n) {
		if (n.error)
			out.push('%s: %s'.format(n.name, n.error.message));
		(n.records || []).forEach(function(r) {
			out.push('%s %s: %s%s%s'.format(n.name, r.record, r.action,
				r['new'] ? ' ' + r['new'] : (r.old ? ' ' + r.old : ''),
				r.why ? ' (' + r.why + ')' : ''));
		});
	});
	return out;
}

return view.extend({
	load: function() {
		return Promise.all([
			backend(callStatus()).catch(function(err) { return { error: oneLine(err) }; }),
			backend(callLog()).catch(function(err) { return { error: oneLine(err) }; }),
			uci.load('ddns-dc')
		]);
	},

	/* The status table, redrawn from a `status` reply. */
	renderStatus: function(status) {
		var node = document.getElementById('ddns-dc-status');
		if (!node)
			return;
		if (status.error) {
			dom.content(node, E('p', { 'class': 'alert-message warning' }, [ _('Cannot read the status: %s').format(status.error) ]));
			return;
		}
		this.schedule = (L.isObject(status.schedule) && status.schedule.minutes != null) ? +status.schedule.minutes : null;
		var names = Array.isArray(status.names) ? status.names : [];
		this.busy = !!status.running || names.some(function(n) { return n.status == 'pending'; });
		var rows = names.map(L.bind(this.renderRow, this));
		var children = [];
		if (status.running)
			children.push(E('p', { 'class': 'spinning', 'id': 'ddns-dc-running' }, [ _('An update is running; the table follows when it is done.') ]));
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
					E('th', { 'class': 'th' }, [ _('Grant') ]),
					E('th', { 'class': 'th cbi-section-actions' }, [ '' ])
				])
			].concat(rows)));
		dom.content(node, children);
	},

	renderRow: function(n) {
		var families = L.isObject(n.families) ? n.families : {};
		var actions = [];
		if (n.status == 'grant-lost' || n.status == 'pending')
			actions.push(E('button', {
				'class': 'btn cbi-button cbi-button-action ddns-dc-reconnect',
				'click': ui.createHandlerFn(this, 'handleReconnect', n)
			}, [ _('Reconnect') ]));
		if (n.status != 'pending' && n.status != 'grant-lost')
			actions.push(E('button', {
				'class': 'btn cbi-button cbi-button-apply ddns-dc-update',
				'click': ui.createHandlerFn(this, 'handleUpdate', n.name)
			}, [ _('Update now') ]));
		actions.push(E('button', {
			'class': 'btn cbi-button cbi-button-remove ddns-dc-remove',
			'click': ui.createHandlerFn(this, 'handleRemove', n.name)
		}, [ _('Remove') ]));

		var provider = [ n.provider || _('unknown provider') ];
		if (n.template)
			provider.push(n.template);
		return E('tr', { 'class': 'tr ddns-dc-row', 'data-name': String(n.name), 'data-state': String(n.status) }, [
			E('td', { 'class': 'td', 'data-title': _('Name') }, [
				E('strong', {}, [ n.name ]), E('br'), E('small', {}, [ provider.join(', ') ])
			]),
			E('td', { 'class': 'td', 'data-title': _('State') }, [
				badge(n.status),
				n.reason ? E('div', { 'class': 'ddns-dc-reason' }, [ E('small', {}, [ n.reason ]) ]) : ''
			]),
			E('td', { 'class': 'td', 'data-title': _('IPv4') }, [ familyCell(families.ipv4) ]),
			E('td', { 'class': 'td', 'data-title': _('IPv6') }, [ familyCell(families.ipv6) ]),
			E('td', { 'class': 'td', 'data-title': _('Last update') }, [ ago(n.last_applied) ]),
			E('td', { 'class': 'td', 'data-title': _('Grant') }, [ grantState(n) ]),
			E('td', { 'class': 'td cbi-section-actions' }, [
				E('div', { 'style': 'display:flex;flex-direction:column;gap:.3em;align-items:stretch' }, actions)
			])
		]);
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

	/* The poll: every 5 s while an update runs in the background or a consent is pending,
	 * else every 30 s (each status call may ask DNS what it answers). */
	pollStatus: function() {
		if (!this.busy && Date.now() - (this.lastRefresh || 0) < 29000)
			return Promise.resolve();
		return this.refresh();
	},

	handleUpdate: function(name) {
		return backend(callUpdate(name, false)).then(L.bind(function(reply) {
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

	/* Reconnect = begin again for that name, in the "Add a name" form. */
	handleReconnect: function(n) {
		document.getElementById('ddns-dc-name').value = n.name;
		var v6 = L.isObject(n.families) && L.isObject(n.families.ipv6) && n.families.ipv6.published != null;
		document.getElementById('ddns-dc-ipv6').checked = v6;
		var add = document.getElementById('ddns-dc-add');
		if (add && add.scrollIntoView)
			add.scrollIntoView();
		return this.handleConnect();
	},

	handleConnect: function() {
		var name = document.getElementById('ddns-dc-name').value.trim();
		var zone = document.getElementById('ddns-dc-zone').value.trim();
		var ipv6 = document.getElementById('ddns-dc-ipv6').checked;
		var suffix = document.getElementById('ddns-dc-suffix').value.trim();
		showError('ddns-dc-name', null);
		showError('ddns-dc-code', null);
		dom.content(document.getElementById('ddns-dc-consent'), null);
		if (!name) {
			showError('ddns-dc-name', _('Enter the name to keep up to date, e.g. home.example.com.'));
			return Promise.resolve();
		}
		return backend(callBegin(name, zone || undefined, ipv6, (ipv6 && suffix) ? suffix : undefined)).then(L.bind(function(reply) {
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
		return backend(callFinish(name, code)).then(L.bind(function(reply) {
			dom.content(document.getElementById('ddns-dc-consent'), [
				E('p', { 'id': 'ddns-dc-connected' }, [
					_('Connected %s at %s (%s); publishing its address now.').format(reply.name || name, reply.provider || '?', (reply.records || []).join(', '))
				])
			]);
			document.getElementById('ddns-dc-name').value = '';
			this.consentFor = null;
			return this.handleUpdate(name);
		}, this)).catch(function(err) {
			showError('ddns-dc-code', err);
		});
	},

	renderAdd: function() {
		return E('div', { 'class': 'cbi-section', 'id': 'ddns-dc-add' }, [
			E('h3', {}, [ _('Add a name') ]),
			E('div', { 'class': 'cbi-section-descr' }, [
				_('The name must be in a zone whose DNS provider supports Domain Connect (e.g. IONOS, GoDaddy). Connect opens the provider\'s consent page; no password is stored here.')
			]),
			field('ddns-dc-name', _('Name'),
				E('input', { 'id': 'ddns-dc-name', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': 'home.example.com' })),
			field('ddns-dc-zone', _('Zone'),
				E('input', { 'id': 'ddns-dc-zone', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': _('found from DNS') }),
				_('Only for a name in a delegated sub-zone.')),
			field('ddns-dc-ipv6', _('IPv6 (AAAA)'),
				E('input', { 'id': 'ddns-dc-ipv6', 'type': 'checkbox', 'checked': 'checked' }),
				_('Also publish an IPv6 address.')),
			field('ddns-dc-suffix', _('IPv6 suffix'),
				E('input', { 'id': 'ddns-dc-suffix', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': '::1234:5678:9abc:def0' }),
				_('For a server behind the router: its interface identifier inside the router\'s /64. Empty: the router\'s own address.')),
			E('div', { 'class': 'cbi-value' }, [
				E('div', { 'class': 'cbi-value-field' }, [
					E('button', {
						'id': 'ddns-dc-connect',
						'class': 'btn cbi-button cbi-button-add',
						'click': ui.createHandlerFn(this, 'handleConnect')
					}, [ _('Connect') ])
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

		var body = E([], [
			E('h2', {}, [ _('Dynamic DNS (Domain Connect)') ]),
			E('div', { 'class': 'cbi-map-descr' }, [
				_('ddns-dc keeps the A and AAAA records of your names pointing at this router\'s public address, through the DNS provider\'s Domain Connect interface.')
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, [ _('Names') ]),
				E('div', { 'id': 'ddns-dc-status' })
			]),
			this.renderAdd()
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
