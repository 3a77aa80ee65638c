'use strict';
'require baseclass';
'require rpc';

/*
 * Status -> Overview: each name of ddns-dc with its state, its published addresses and when
 * the last update ran. Only `status` (what is stored and what the last update did: no packet,
 * so the Overview's poll costs nothing on the network); the rest is on the ddns-dc page.
 */

var callStatus = rpc.declare({
	object: 'ddns-dc',
	method: 'status',
	expect: { '': {} },
	reject: true
});

function ago(ts) {
	if (ts == null)
		return _('none since the router started');
	var s = Math.max(0, Math.floor(Date.now() / 1000) - ts);
	if (s < 60)
		return _('just now');
	if (s < 3600)
		return _('%d min ago').format(Math.floor(s / 60));
	if (s < 86400)
		return _('%d h ago').format(Math.floor(s / 3600));
	return _('%d days ago').format(Math.floor(s / 86400));
}

/* The same words and colours as the ddns-dc page's badges. */
function stateOf(n) {
	if (n.status == 'error' && n.code == 'partial')
		return [ _('partly published'), '#b26a00' ];
	switch (n.status) {
	case 'in-sync':    return [ _('in sync'), '#2e7d32' ];
	case 'updated':    return [ _('updated'), '#2e7d32' ];
	case 'update-due': return [ _('update due'), '#b26a00' ];
	case 'pending':    return [ _('waiting for consent'), '#1565c0' ];
	case 'grant-lost': return [ _('grant lost'), '#c62828' ];
	case 'conflict':   return [ _('conflict'), '#c62828' ];
	case 'waiting':    return [ _('waiting'), '#b26a00' ];
	case 'error':      return [ _('error'), '#c62828' ];
	case 'unknown':    return [ _('not run yet'), '#616161' ];
	default:           return [ String(n.status), '#616161' ];
	}
}

function published(n) {
	var p = (n.published != null && typeof n.published == 'object') ? n.published : {};
	var out = [ 'ipv4', 'ipv6' ].filter(function(f) { return p[f] != null; }).map(function(f) { return p[f]; });
	return out.length ? out.join(', ') : '-';
}

return baseclass.extend({
	title: _('Dynamic DNS (Domain Connect)'),

	load: function() {
		return callStatus().catch(function(err) {
			return { error: { message: String((err && err.message) || err).split(/\n/)[0] } };
		});
	},

	render: function(status) {
		if (status == null || typeof status != 'object')
			return null;
		if (status.error)
			return E('p', {}, [ E('em', {}, [ _('Cannot read the status: %s').format(status.error.message || status.error) ]) ]);
		var names = Array.isArray(status.names) ? status.names : [];
		var page = L.url('admin/services/ddns-dc');
		if (!names.length)
			return E('p', {}, [ E('a', { 'href': page }, [ _('No names yet: add one on the Dynamic DNS (Domain Connect) page.') ]) ]);
		var table = E('table', { 'class': 'table', 'id': 'ddns-dc-overview' }, [
			E('tr', { 'class': 'tr table-titles' }, [
				E('th', { 'class': 'th' }, [ _('Name') ]),
				E('th', { 'class': 'th' }, [ _('State') ]),
				E('th', { 'class': 'th' }, [ _('Published') ]),
				E('th', { 'class': 'th' }, [ _('Last update') ])
			])
		].concat(names.map(function(n) {
			var s = stateOf(n);
			/* A consent never finished has no update of its own. */
			var run = (n.status != 'pending' && n.last_run != null && typeof n.last_run == 'object') ? n.last_run : null;
			return E('tr', { 'class': 'tr ddns-dc-overview-row', 'data-name': String(n.name), 'data-state': String(n.status) }, [
				E('td', { 'class': 'td', 'data-title': _('Name') }, [ E('a', { 'href': page }, [ n.name ]) ]),
				E('td', { 'class': 'td', 'data-title': _('State') }, [
					E('span', {
						'class': 'ddns-dc-state',
						'style': 'display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;white-space:nowrap;background:' + s[1]
					}, [ s[0] ])
				]),
				E('td', { 'class': 'td', 'data-title': _('Published') }, [ published(n) ]),
				E('td', { 'class': 'td', 'data-title': _('Last update') }, [ run ? ago(run.at) : (n.status == 'pending' ? '-' : ago(null)) ])
			]);
		})));
		return table;
	}
});
