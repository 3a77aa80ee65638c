//! The state file's content: the only copy of each name's grant, and what was last published.
//! A versioned JSON document, validated on load; every older version is still read. How it is
//! read, locked and replaced on disk is `file.rs`.

mod file;
pub mod lastrun;
mod watch;

#[cfg(unix)]
pub use file::is_locked;
pub use file::{Locked, check_dir, lock, read};
pub use watch::{Backoff, Change, Foreign, HISTORY_PER_FAMILY, Unseen, Watch, Why};

use crate::address::{Addresses, Family};
pub use crate::domainconnect::protocol::Provider;
use crate::domainconnect::protocol::Template;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;

/// The schema version this `ddns` writes. Version 2 added the zone's name servers, pending
/// consents and the lost-grant mark; version 3 nests what setup found (zone, host, provider,
/// template, families) in one `setup` object, the same for a set-up name and a pending consent,
/// and adds the `watch` object (`watch.rs`). Versions 1 and 2 are read and written back as 3
/// at the first change.
pub const VERSION: u32 = 3;

/// A pending consent expires this long after `setup --begin`.
pub const PENDING_SECS: u64 = 3600;

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Schema version, [`VERSION`].
    pub version: u32,
    /// Every set-up name, by its normalised form.
    pub names: BTreeMap<String, Entry>,
    /// Consents started with `setup --begin` and not finished yet, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, Pending>,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: VERSION,
            names: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }
}

/// Where and how a name is published: what setup found and chose. The same for a set-up name
/// and for a consent waiting to be finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// The zone the provider hosts, e.g. `example.com`.
    pub zone: String,
    /// The host inside the zone, `""` for the apex.
    pub host: String,
    /// Where tokens and applies go: found once, at setup (never re-discovered).
    pub provider: Provider,
    /// The template the provider supports.
    pub template: Template,
    /// The families this name publishes.
    pub families: Vec<Family>,
    /// For a host behind the router: its fixed IPv6 interface identifier, combined with the
    /// detected /64 prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_suffix: Option<Ipv6Addr>,
    /// The addresses of the zone's authoritative name servers (its NS), asked directly to
    /// compare the record with what was published. Learnt at setup, or on the first update of
    /// a name set up before this existed; empty until then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<IpAddr>,
}

impl Setup {
    /// Whether this name publishes `family`: set up for it, and the template can carry it.
    pub fn publishes(&self, family: Family) -> bool {
        self.families.contains(&family) && self.template.carries(family)
    }

    /// The apply URL that sends `send` for this name (`force`: overwrite conflicting records).
    pub fn apply_url(&self, send: &Addresses, force: bool) -> String {
        crate::domainconnect::protocol::apply_url(
            &self.provider.url_api,
            self.template,
            &self.zone,
            &self.host,
            send,
            force,
        )
    }

    /// The families this name publishes, IPv4 first.
    pub fn published_families(&self) -> Vec<Family> {
        Family::ALL
            .into_iter()
            .filter(|f| self.publishes(*f))
            .collect()
    }
}

/// A consent started with `setup --begin`: everything `setup --code` needs to finish it
/// without discovering the provider again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// What the name will be set up with.
    pub setup: Setup,
    /// The OAuth `state` sent in the consent URL; a pasted address must carry it back.
    pub state: String,
    /// Unix time of `--begin`.
    pub started_at: u64,
    /// The PKCE code verifier (RFC 7636) whose challenge the consent URL carries, sent with the
    /// code exchange. Secret: never printed. Absent in consents begun before PKCE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier: Option<String>,
}

impl Pending {
    /// Unix time it expires.
    pub fn expires_at(&self) -> u64 {
        self.started_at.saturating_add(PENDING_SECS)
    }
}

/// One set-up name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Where and how it is published.
    pub setup: Setup,
    /// The OAuth grant.
    pub grant: Grant,
    /// What this client last published successfully.
    #[serde(default)]
    pub published: Addresses,
    /// Unix time of the last successful apply, if any.
    #[serde(default)]
    pub last_applied: Option<u64>,
    /// Unix time an update found the grant gone (the provider refused the refresh token);
    /// cleared when a later refresh works, replaced by `setup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_lost_at: Option<u64>,
    /// What ddns remembers to defend the record (empty for most names, and then not written).
    #[serde(default, skip_serializing_if = "Watch::is_empty")]
    pub watch: Watch,
}

impl Entry {
    /// A name just set up with `grant`: nothing published yet, nothing watched.
    pub fn new(setup: Setup, grant: Grant) -> Entry {
        Entry {
            setup,
            grant,
            published: Addresses::default(),
            last_applied: None,
            grant_lost_at: None,
            watch: Watch::default(),
        }
    }

    /// Whether this name publishes `family`.
    pub fn publishes(&self, family: Family) -> bool {
        self.setup.publishes(family)
    }
}

/// OAuth tokens. Secret: never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The bearer token.
    pub access_token: String,
    /// Unix time it expires, when known.
    pub access_expires_at: Option<u64>,
    /// The refresh token, when the provider issued one.
    pub refresh_token: Option<String>,
}

impl Grant {
    /// Every token of the grant: what no message may show.
    pub fn secrets(&self) -> Vec<&str> {
        std::iter::once(self.access_token.as_str())
            .chain(self.refresh_token.as_deref())
            .collect()
    }
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Grant { .. }")
    }
}

/// The keys of [`Setup`], which versions 1 and 2 kept flat in each name and pending consent.
const SETUP_KEYS: [&str; 7] = [
    "zone",
    "host",
    "provider",
    "template",
    "families",
    "ipv6_suffix",
    "nameservers",
];

/// A version 1 or 2 document as version 3: each name's and pending consent's setup keys move
/// into one `setup` object. Anything else is left for validation to judge.
fn upgrade(value: &mut Value) {
    for list in ["names", "pending"] {
        let Some(Value::Object(items)) = value.get_mut(list) else {
            continue;
        };
        for item in items.values_mut() {
            if let Value::Object(fields) = item {
                let setup: Map<String, Value> = SETUP_KEYS
                    .iter()
                    .filter_map(|k| fields.remove(*k).map(|v| ((*k).to_string(), v)))
                    .collect();
                fields.insert("setup".into(), Value::Object(setup));
            }
        }
    }
    value["version"] = Value::from(VERSION);
}

impl State {
    /// Remember that the provider at `url_api` takes its token requests in `form`, for every
    /// name and consent set up with it that does not know yet.
    pub fn learn_token_form(
        &mut self,
        url_api: &str,
        form: crate::domainconnect::token::TokenForm,
    ) {
        let setups = (self.names.values_mut().map(|e| &mut e.setup))
            .chain(self.pending.values_mut().map(|p| &mut p.setup));
        for setup in setups {
            if setup.provider.url_api == url_api && setup.provider.token_form.is_none() {
                setup.provider.token_form = Some(form);
            }
        }
    }

    /// Parse and validate a state file's bytes, of any version this `ddns` reads.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<State> {
        let shown = path.display();
        let corrupt = |detail: String| {
            Error::usage(format!(
                "the state file {shown} is not valid ({detail}); it was left untouched: restore \
                 it from a backup, or move it away and run `ddns setup` again"
            ))
        };
        let mut value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| corrupt(format!("not JSON: {e}")))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(1 | 2) => upgrade(&mut value),
            Some(v) => {
                return Err(Error::usage(format!(
                    "the state file {shown} has version {v}, and this ddns reads \
                     versions up to {VERSION}: use the ddns that wrote it, or a newer one"
                )));
            }
            None => return Err(corrupt("no version field".into())),
        }
        let state: State = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
        let consistent = |name: &str, setup: &Setup| {
            crate::name::normalise(name).is_ok_and(|n| n == name)
                && crate::name::host_in_zone(name, &setup.zone).as_deref() == Some(&setup.host)
                && !setup.families.is_empty()
        };
        let setups = (state.names.iter().map(|(n, e)| (n, &e.setup)))
            .chain(state.pending.iter().map(|(n, p)| (n, &p.setup)));
        for (name, setup) in setups {
            if !consistent(name, setup) {
                return Err(corrupt(format!(
                    "the entry for '{}' is inconsistent",
                    crate::error::printable(name, 80)
                )));
            }
        }
        Ok(state)
    }

    /// The bytes written to disk: always the newest version.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut state = self.clone();
        state.version = VERSION;
        let mut bytes = serde_json::to_vec_pretty(&state).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests;
