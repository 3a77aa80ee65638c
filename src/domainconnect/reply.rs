//! What a provider's error reply says, as one printable line for a message (section 3 and 4 of
//! `shared/domain-connect.md`: JSON with `error`/`error_description`, `message` and 409's
//! conflicting `records`, or plain text).

use serde::Deserialize;

/// What a provider's non-2xx reply said, as one printable line of at most 300 characters:
/// `error: error_description`, `message` (with 409's conflicting records), or the plain text.
pub fn provider_message(body: &[u8]) -> String {
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
    let line = crate::error::printable(&text, 300);
    if line.is_empty() {
        "no reason given".to_string()
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_message_reads_json_text_and_conflicts() {
        assert_eq!(
            provider_message(br#"{"error":"invalid_grant","error_description":"expired"}"#),
            "invalid_grant: expired"
        );
        assert_eq!(
            provider_message(br#"{"code":"c","message":"Conflict","records":[{"type":"CNAME","host":"home","data":"x.example.net"}]}"#),
            "Conflict; conflicting records: CNAME home x.example.net"
        );
        assert_eq!(
            provider_message(b"Bad refresh token\n\x01"),
            "Bad refresh token ?"
        );
        assert_eq!(provider_message(b""), "no reason given");
        assert_eq!(provider_message(&[b'x'; 1000]).len(), 303);
    }
}
