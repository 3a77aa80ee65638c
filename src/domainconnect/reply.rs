//! What a provider's error reply says, as one printable line for a message (section 3 and 4 of
//! `shared/domain-connect.md`: JSON with `error`/`error_description`, `message` and 409's
//! conflicting `records`, or plain text).

use serde::Deserialize;

/// What a provider's non-2xx reply said, as one printable line of at most 300 characters:
/// `error: error_description`, `message` (with 409's conflicting records), or the plain text.
/// Each of `secrets` (the tokens and code of the call's entry) is replaced by `REDACTED` in the
/// whole text before it is cut: a secret cut at the edge would no longer match (issue 22).
pub fn provider_message(body: &[u8], secrets: &[&str]) -> String {
    #[derive(Deserialize)]
    struct Record {
        #[serde(rename = "type")]
        kind: Option<String>,
        host: Option<String>,
        data: Option<String>,
    }
    #[derive(Deserialize)]
    struct ErrorJson {
        error: Option<String>,
        error_description: Option<String>,
        message: Option<String>,
        records: Option<Vec<Record>>,
    }
    let text = match serde_json::from_slice::<ErrorJson>(body) {
        Ok(json) => {
            let mut parts: Vec<String> = Vec::new();
            match (json.error, json.error_description) {
                (Some(e), Some(d)) => parts.push(format!("{e}: {d}")),
                (Some(e), None) => parts.push(e),
                (None, Some(d)) => parts.push(d),
                (None, None) => {}
            }
            parts.extend(json.message);
            let records: Vec<String> = json
                .records
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    format!(
                        "{} {} {}",
                        r.kind.unwrap_or_default(),
                        r.host
                            .filter(|h| !h.is_empty())
                            .unwrap_or_else(|| "@".into()),
                        r.data.unwrap_or_default()
                    )
                })
                .collect();
            if !records.is_empty() {
                parts.push(format!("conflicting records: {}", records.join(", ")));
            }
            parts.join("; ")
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let line = crate::error::printable(&scrub(text, secrets), 300);
    if line.is_empty() {
        "no reason given".to_string()
    } else {
        line
    }
}

/// `text` with every secret of at least 4 characters replaced by `REDACTED`.
pub fn scrub(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "REDACTED");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_message_reads_json_text_and_conflicts() {
        assert_eq!(
            provider_message(
                br#"{"error":"invalid_grant","error_description":"expired"}"#,
                &[]
            ),
            "invalid_grant: expired"
        );
        assert_eq!(
            provider_message(br#"{"code":"c","message":"Conflict","records":[{"type":"CNAME","host":"home","data":"x.example.net"}]}"#, &[]),
            "Conflict; conflicting records: CNAME home x.example.net"
        );
        assert_eq!(
            provider_message(b"Bad refresh token\n\x01", &[]),
            "Bad refresh token ?"
        );
        assert_eq!(provider_message(b"", &[]), "no reason given");
        assert_eq!(provider_message(&[b'x'; 1000], &[]).len(), 303);
    }

    #[test]
    fn every_secret_is_scrubbed_before_the_message_is_cut() {
        let secret = "at-0123456789abcdef";
        // The secret straddles the 300-character cut: only its first characters would fit.
        let body = format!("{} {secret} rt-xyz1 c0de", "x".repeat(285));
        let line = provider_message(body.as_bytes(), &[secret, "rt-xyz1", "c0de", "ab"]);
        assert!(!line.contains("at-0123"), "{line}");
        assert!(line.ends_with(" REDACTED REDAC..."), "{line}");
        let line = provider_message(b"rt-xyz1 c0de ab", &[secret, "rt-xyz1", "c0de", "ab"]);
        assert_eq!(
            line, "REDACTED REDACTED ab",
            "secrets under 4 characters are not"
        );
        let json = br#"{"error":"invalid_grant","error_description":"token rt-xyz1 is unknown"}"#;
        assert_eq!(
            provider_message(json, &["rt-xyz1"]),
            "invalid_grant: token REDACTED is unknown"
        );
    }
}
