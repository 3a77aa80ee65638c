//! The one error type of `ddns`: a class that decides the exit status, and one sentence for the user.

use std::fmt;

/// What kind of failure this is. The class decides the exit status and whether a retry can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Bad arguments, bad configuration, a name that is not set up, an unusable state file.
    Usage,
    /// Network trouble, timeouts, provider 5xx, a busy lock: running again later may help.
    Transient,
    /// The provider (or our own address checks) refused the change: a person must look.
    Refused,
    /// The grant is gone (refresh token rejected): run `ddns setup` again.
    GrantLost,
    /// A bug in `ddns`.
    Bug,
}

impl Class {
    /// The class's name in JSON documents: `usage`, `transient`, `refused`, `grant-lost`, `bug`.
    pub fn key(self) -> &'static str {
        match self {
            Class::Usage => "usage",
            Class::Transient => "transient",
            Class::Refused => "refused",
            Class::GrantLost => "grant-lost",
            Class::Bug => "bug",
        }
    }

    /// The class whose [`Class::key`] is `key`.
    pub fn from_key(key: &str) -> Option<Class> {
        [
            Class::Usage,
            Class::Transient,
            Class::Refused,
            Class::GrantLost,
            Class::Bug,
        ]
        .into_iter()
        .find(|c| c.key() == key)
    }

    /// The documented exit status for this class (see `--help` and the README).
    pub fn exit_code(self) -> u8 {
        match self {
            Class::Usage => 2,
            Class::Transient => 3,
            Class::Refused => 4,
            Class::GrantLost => 5,
            Class::Bug => 70,
        }
    }
}

/// A stable name for an error a program may want to act on, in the JSON form of the error
/// (`"code"`), so that no program has to match the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// No name is set up in the state file.
    NoNames,
    /// The provider asked ddns to wait (`Retry-After`); nothing was sent.
    RetryAfter,
    /// The provider failed several times in a row; ddns waits before asking again.
    Backoff,
    /// Another client keeps setting the record; ddns stopped repairing it.
    Conflict,
    /// The provider accepts the value but its name servers never show it.
    NotPublished,
    /// The request never reached the provider (it could not be resolved or connected to).
    NotSent,
    /// The address found may not be published (private, carrier-grade NAT, ...).
    AddressRefused,
    /// No IP source answered for a family.
    NotDetected,
    /// The provider refused the update because other records conflict (HTTP 409).
    RecordsConflict,
    /// A code this `ddns` does not know (written by a newer one).
    #[serde(other)]
    Other,
}

/// An error: its class and one clear sentence (what went wrong, what to do). Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Decides the exit status.
    pub class: Class,
    /// The sentence shown to the user, without the `ddns: ` prefix.
    pub message: String,
    /// A stable name for it, where a program may act on it.
    pub code: Option<Code>,
    /// For a provider that asked to be left alone (`Retry-After`): for how many seconds.
    pub retry_after: Option<u64>,
}

impl Error {
    /// Build an error of the given class.
    pub fn new(class: Class, message: impl Into<String>) -> Self {
        Error {
            class,
            message: message.into(),
            code: None,
            retry_after: None,
        }
    }

    /// The same error with a stable `code`.
    #[must_use]
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    /// A usage or configuration error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(Class::Usage, message)
    }

    /// A transient error (exit 3).
    pub fn transient(message: impl Into<String>) -> Self {
        Error::new(Class::Transient, message)
    }

    /// A refusal (exit 4).
    pub fn refused(message: impl Into<String>) -> Self {
        Error::new(Class::Refused, message)
    }

    /// The grant is gone (exit 5).
    pub fn grant_lost(message: impl Into<String>) -> Self {
        Error::new(Class::GrantLost, message)
    }
}

impl serde::Serialize for Error {
    /// `{"class": "transient", "message": "..."}`, with `"code"` when it has one: the JSON form
    /// of an error in every document.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("class", self.class.key())?;
        map.serialize_entry("message", &self.message)?;
        if let Some(code) = self.code {
            map.serialize_entry("code", &code)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Error {
    /// The JSON form back (the router page's backend reads the CLI's documents); an unknown
    /// class reads as a bug.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Json {
            class: String,
            message: String,
            #[serde(default)]
            code: Option<Code>,
        }
        let json = Json::deserialize(d)?;
        Ok(Error {
            class: Class::from_key(&json.class).unwrap_or(Class::Bug),
            message: json.message,
            code: json.code,
            retry_after: None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `input` made safe to print on one line of a terminal or a log: runs of white space become
/// one space, anything else that is not printable ASCII becomes `?`, and at most `max`
/// characters are kept (then `...`). The one place that decides what may be echoed back.
pub fn printable(input: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    let mut space = false;
    for c in input.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if count >= max {
            out.push_str("...");
            return out;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        out.push(if c.is_ascii_graphic() { c } else { '?' });
        count += 1;
    }
    out
}

/// Shorthand for results in `ddns`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_is_one_bounded_ascii_line() {
        assert_eq!(printable(" a\n\t b\u{7f}\u{e9} ", 80), "a b??");
        assert_eq!(printable(&"x".repeat(100), 80).len(), 83);
        assert_eq!(printable(&"x".repeat(80), 80).len(), 80);
        assert_eq!(printable("", 80), "");
    }
}
