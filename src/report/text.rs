//! Reports as text: `update`'s one line per name, `check`'s few lines per name, and the one
//! sentence that says why a name has its status.

use super::{Report, Status};
use crate::clock::{ago, utc};
use crate::plan::verify::Verified;
use crate::plan::{Action, Outcome, Reason, RecordChange};
use std::net::IpAddr;

/// Addresses as a list for a line, or `no record`.
pub fn shown(addresses: &[IpAddr]) -> String {
    if addresses.is_empty() {
        return "no record".into();
    }
    let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    list.join(" ")
}

/// Why a record was sent again: `--force`, `weekly keep-alive`, `DNS answered 81.2.69.99`.
pub fn why(change: &RecordChange) -> Option<String> {
    match (&change.action, &change.answered) {
        (Action::Resent, Some(answered)) => Some(format!("DNS answered {}", shown(answered))),
        (Action::Resent, None) => change.reason.map(|r| r.describe().to_string()),
        (Action::NotPublished, _) => Some("no address detected".into()),
        _ => None,
    }
}

/// One record's part of the line: `A 81.2.69.142 unchanged`, `A updated OLD -> NEW`, ...
fn describe(change: &RecordChange) -> String {
    let record = change.family.record();
    let new = change.new.map(|ip| ip.to_string()).unwrap_or_default();
    match (change.action, change.old) {
        (Action::NotPublished, _) => format!("{record} not published yet (no address detected)"),
        (Action::Updated, Some(old)) => format!("{record} updated {old} -> {new}"),
        (Action::Published | Action::Updated, _) => format!("{record} {new} published"),
        (Action::Resent, _) => format!(
            "{record} {new} re-sent ({})",
            why(change).unwrap_or_default()
        ),
        (Action::Unchanged, _) => format!("{record} {new} unchanged"),
    }
}

impl Report {
    /// `update`'s line: `home.example.com A 81.2.69.142 unchanged`, `... A updated OLD -> NEW`.
    pub fn line(&self) -> String {
        let parts: Vec<String> = self.records.iter().map(describe).collect();
        let visible = match &self.verified {
            Some(Verified::Seen { servers, after }) => {
                let ms = after.as_millis();
                format!(
                    " (visible at {servers} of {servers} name server{} after {}.{} s)",
                    if *servers == 1 { "" } else { "s" },
                    ms / 1000,
                    ms % 1000 / 100
                )
            }
            _ => String::new(),
        };
        format!("{} {}{visible}", self.name, parts.join(", "))
    }

    /// Each warning as `NAME: message` (printed after `ddns: `).
    pub fn warning_lines(&self) -> impl Iterator<Item = String> + '_ {
        (self.warnings.iter()).map(|w| format!("{}: {w}", self.name))
    }

    /// Each error as `NAME: message` (printed after `ddns: `).
    pub fn error_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.errors
            .iter()
            .map(|e| format!("{}: {}", self.name, e.message))
    }

    /// Why an update is due, in words (for `check`): the zone's answers for a record that
    /// differs, else the reason.
    fn due(&self) -> Option<String> {
        let Outcome::Due(reason) = self.outcome else {
            return None;
        };
        if reason != Reason::Drift {
            return Some(reason.describe().to_string());
        }
        let what: Vec<String> = (self.records.iter())
            .filter_map(|r| {
                let answered = r.answered.as_ref()?;
                Some(format!(
                    "the zone's servers answer {} for {}, not the published {}",
                    shown(answered),
                    r.family.record(),
                    r.old.map(|ip| ip.to_string()).unwrap_or_default()
                ))
            })
            .collect();
        Some(what.join("; "))
    }

    /// Why the name has its status, in one sentence; `None` in sync.
    pub fn reason(&self, now: u64) -> Option<String> {
        let name = &self.name;
        match self.status {
            Status::InSync | Status::Updated => None,
            Status::UpdateDue => self.due(),
            Status::Pending => self.pending.as_ref().map(|p| {
                if now < p.expires_at {
                    format!(
                        "waiting for consent at {} since {} ago: finish with `ddns setup {name} \
                         --code CODE` within {}",
                        p.provider,
                        ago(now.saturating_sub(p.started_at)),
                        ago(p.expires_at - now)
                    )
                } else {
                    format!(
                        "the consent started {} ago has expired: run `ddns setup {name} --begin` \
                         again",
                        ago(now.saturating_sub(p.started_at))
                    )
                }
            }),
            Status::GrantLost => Some(format!(
                "the provider stopped accepting this name's grant {} ago: run `ddns setup \
                 {name}` again",
                ago(now.saturating_sub(
                    (self.stored.as_ref())
                        .and_then(|s| s.grant_lost_at)
                        .unwrap_or(now)
                ))
            )),
            Status::Conflict | Status::Waiting | Status::Error => Some(
                (self.errors.iter())
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }

    /// `check`'s text: a status line, one line per family, one for the provider and grant.
    pub fn check_lines(&self, now: u64) -> Vec<String> {
        let why = self.reason(now).unwrap_or_default();
        let status = match self.status {
            Status::InSync | Status::Updated => "in sync".to_string(),
            Status::UpdateDue => format!("update due: {why}"),
            Status::Pending => format!("pending: {why}"),
            Status::GrantLost => format!("grant lost: {why}"),
            Status::Conflict => format!("conflict: {why}"),
            Status::Waiting => format!("waiting: {why}"),
            Status::Error => format!("error: {why}"),
        };
        let mut lines = vec![format!("{}: {status}", self.name)];
        let Some(stored) = &self.stored else {
            return lines;
        };
        let show = |ip: Option<IpAddr>| ip.map_or_else(|| "none".to_string(), |i| i.to_string());
        for (family, seen) in &self.seen {
            let source = match &seen.public {
                Some((_, s, ms)) => format!(" (from {s} in {ms} ms)"),
                None => String::new(),
            };
            let dns = match &seen.dns {
                None => "DNS lookup failed".to_string(),
                Some(answers) => format!("DNS answers {}", shown(answers)),
            };
            let zone = match &seen.authoritative {
                Some(Ok(answer)) => format!(", the zone's servers {}", shown(answer)),
                Some(Err(why)) => format!(", the zone's servers could not be asked ({why})"),
                None => String::new(),
            };
            lines.push(format!(
                "  {:<4} published {}, public {}{source}, {dns}{zone}",
                family.record(),
                show(stored.published.get(*family)),
                show(seen.public.as_ref().map(|p| p.0)),
            ));
        }
        for (family, u) in &self.watch.unseen {
            lines.push(format!(
                "  {:<4} {} was accepted by the provider {} time{} since {} but is not seen at \
                 the zone's name servers yet",
                family.record(),
                u.value,
                u.applies,
                if u.applies == 1 { "" } else { "s" },
                utc(u.since)
            ));
        }
        lines.push(format!(
            "  provider {} ({}), {}, {}, {}",
            stored.provider,
            stored.template.id(),
            stored.last_applied.map_or_else(
                || "never updated".to_string(),
                |at| format!("last update {} ago", ago(now.saturating_sub(at)))
            ),
            self.token_words(now),
            if self.status == Status::GrantLost {
                "setup needed"
            } else if stored.has_refresh_token {
                "refresh token kept"
            } else {
                "no refresh token (setup again when the access token expires)"
            }
        ));
        if let Some(p) = &self.pending {
            lines.push(format!(
                "  a new consent at {} is waiting to be finished (started {} ago); the grant \
                 above stays until then",
                p.provider,
                ago(now.saturating_sub(p.started_at))
            ));
        }
        lines
    }

    /// The access token's state, in words.
    fn token_words(&self, now: u64) -> String {
        match self.stored.as_ref().and_then(|s| s.access_expires_at) {
            _ if self.status == Status::GrantLost => "grant refused by the provider".to_string(),
            Some(at) if at > now => format!("access token valid for {} min", (at - now) / 60),
            Some(_) => "access token expired (renewed at the next update)".to_string(),
            None => "access token lifetime unknown".to_string(),
        }
    }
}
