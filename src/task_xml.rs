//! The Task Scheduler task of `ddns service install` (issue 23): the one template in
//! `packaging/windows/ddns-task.xml`, filled and encoded for `schtasks /Create /XML`. Pure and
//! self-contained (no other module of ours), so that `tests/windows.rs` can include it and hand
//! the very same document to Wine's `schtasks`. The elements are explained in
//! `packaging/windows/README.md`.

/// The template as committed.
pub const TEMPLATE: &str = include_str!("../packaging/windows/ddns-task.xml");

/// The placeholders; each appears exactly once in [`TEMPLATE`].
pub const PLACEHOLDERS: [&str; 3] = ["{{COMMAND}}", "{{ARGUMENTS}}", "{{INTERVAL}}"];

/// How often the task runs: whole minutes, from one minute to 31 days (the limits the schema
/// sets on a repetition interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    minutes: u64,
}

impl Interval {
    /// The default: every 5 minutes.
    pub const DEFAULT: Interval = Interval { minutes: 5 };

    /// `secs` as an interval, if it is whole minutes within the limits.
    pub fn from_secs(secs: u64) -> Option<Interval> {
        let in_range = (60..=31 * 86_400).contains(&secs);
        (in_range && secs.is_multiple_of(60)).then_some(Interval { minutes: secs / 60 })
    }

    /// The ISO 8601 duration the schema takes: `P2D`, `PT6H`, `PT5M`.
    pub fn iso8601(self) -> String {
        let m = self.minutes;
        if m.is_multiple_of(1440) {
            format!("P{}D", m / 1440)
        } else if m.is_multiple_of(60) {
            format!("PT{}H", m / 60)
        } else {
            format!("PT{m}M")
        }
    }
}

impl Interval {
    /// As a person reads it: `5 minutes`, `2 hours`, `1 day`.
    pub fn human(self) -> String {
        let (n, unit) = match self.minutes {
            m if m.is_multiple_of(1440) => (m / 1440, "day"),
            m if m.is_multiple_of(60) => (m / 60, "hour"),
            m => (m, "minute"),
        };
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

/// `--every DURATION` (or `--every=DURATION`) taken out of `args`, and the other arguments in
/// their order; the error says what is wrong.
pub fn take_every(args: &[String]) -> Result<(Option<String>, Vec<String>), String> {
    let mut every = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = if arg == "--every" {
            Some(
                it.next()
                    .cloned()
                    .ok_or("--every needs a duration, such as 10m")?,
            )
        } else {
            arg.strip_prefix("--every=").map(str::to_string)
        };
        match value {
            Some(_) if every.is_some() => return Err("--every is given twice".into()),
            Some(v) => every = Some(v),
            None => rest.push(arg.clone()),
        }
    }
    Ok((every, rest))
}

/// `args` as one Windows command line (the task's `Arguments`), each argument quoted the way
/// the Microsoft C runtime and Rust's `std::env::args` split a command line, when it is empty or
/// has a space, a tab or a quote: backslashes are literal except before a quote, where they are
/// doubled, and a quote is escaped with a backslash.
pub fn command_line(args: &[String]) -> String {
    let quote = |arg: &String| {
        if !arg.is_empty() && !arg.contains([' ', '\t', '"']) {
            return arg.clone();
        }
        let mut out = String::from('"');
        let mut backslashes = 0;
        for c in arg.chars() {
            match c {
                '\\' => backslashes += 1,
                '"' => {
                    out.push_str(&"\\".repeat(2 * backslashes + 1));
                    out.push('"');
                    backslashes = 0;
                }
                c => {
                    out.push_str(&"\\".repeat(backslashes));
                    out.push(c);
                    backslashes = 0;
                }
            }
        }
        out.push_str(&"\\".repeat(2 * backslashes));
        out.push('"');
        out
    };
    args.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// The task document for `command` (the full path of `ddns.exe`) run with `arguments` every
/// `every`, or `None` if a value has a control character (XML 1.0 cannot carry most of them,
/// and no path or argument of ours has one).
pub fn fill(command: &str, arguments: &str, every: Interval) -> Option<String> {
    let escaped = [
        escape(command)?,
        escape(arguments)?,
        escape(&every.iso8601())?,
    ];
    let mut xml = TEMPLATE.to_string();
    for (placeholder, value) in PLACEHOLDERS.iter().zip(escaped) {
        xml = xml.replacen(placeholder, &value, 1);
    }
    Some(xml)
}

/// The bytes of the file handed to `schtasks /Create /XML`: UTF-16 little-endian with a
/// byte-order mark and an `encoding="UTF-16"` declaration, as Windows exports tasks.
pub fn for_schtasks(xml: &str) -> Vec<u8> {
    let text = format!("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n{xml}");
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// XML character data as text: the five entities undone (`&amp;` last).
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `value` as XML character data, or `None` if it has a control character.
fn escape(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the one element `name` in `xml`, with the five entities undone.
    fn text_of(xml: &str, name: &str) -> String {
        let open = format!("<{name}>");
        let start = xml.find(&open).expect("element present") + open.len();
        let end = start + xml[start..].find(&format!("</{name}>")).expect("closed");
        unescape(&xml[start..end])
    }

    /// A small well-formedness check, enough for this document: one root, tags nested and
    /// closed in order, attributes quoted, `&` only in the five entities or a character
    /// reference, no `<` in text, no comments or processing instructions (Wine refuses them),
    /// no placeholder left.
    fn assert_well_formed(xml: &str) {
        assert!(
            !xml.contains("{{") && !xml.contains("}}"),
            "a placeholder is left"
        );
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = xml;
        while let Some(lt) = rest.find('<') {
            check_text(&rest[..lt]);
            let gt = rest[lt..].find('>').expect("every tag is closed") + lt;
            let tag = &rest[lt + 1..gt];
            assert!(!tag.starts_with('!') && !tag.starts_with('?'), "<{tag}>");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(
                    stack.pop(),
                    Some(name),
                    "</{name}> closes the wrong element"
                );
            } else {
                let self_closing = tag.ends_with('/');
                let body = tag.trim_end_matches('/');
                let (name, attributes) = body.split_once(' ').unwrap_or((body, ""));
                assert!(
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
                    "<{tag}>"
                );
                check_attributes(attributes);
                if stack.is_empty() {
                    roots += 1;
                }
                if !self_closing {
                    stack.push(name);
                }
            }
            rest = &rest[gt + 1..];
        }
        check_text(rest);
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        assert_eq!(roots, 1, "one root element");
    }

    fn check_text(text: &str) {
        let mut rest = text;
        while let Some(amp) = rest.find('&') {
            let end = rest[amp..].find(';').expect("an entity ends with ;") + amp;
            let entity = &rest[amp + 1..end];
            let known = ["lt", "gt", "amp", "quot", "apos"].contains(&entity)
                || entity
                    .strip_prefix('#')
                    .is_some_and(|n| n.parse::<u32>().is_ok());
            assert!(known, "&{entity};");
            rest = &rest[end + 1..];
        }
    }

    fn check_attributes(mut attributes: &str) {
        while !attributes.trim().is_empty() {
            let (name, value) = attributes.trim_start().split_once("=\"").expect("name=\"");
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == ':'),
                "{name}"
            );
            let end = value.find('"').expect("quoted");
            check_text(&value[..end]);
            assert!(!value[..end].contains('<'));
            attributes = &value[end + 1..];
        }
    }

    #[test]
    fn the_template_has_each_placeholder_once_and_no_comment() {
        for p in PLACEHOLDERS {
            assert_eq!(TEMPLATE.matches(p).count(), 1, "{p}");
        }
        assert_eq!(TEMPLATE.matches("{{").count(), PLACEHOLDERS.len());
        assert!(
            TEMPLATE.starts_with("<Task version=\"1.2\" "),
            "no declaration, no comment"
        );
        assert!(!TEMPLATE.contains("<!--"));
    }

    #[test]
    fn a_filled_task_is_well_formed_and_carries_the_values_back() {
        let command = r"C:\Program Files\A & B's <ddns>\ddns.exe";
        let arguments = "--syslog update --ip-hint \"x\"";
        let xml = fill(command, arguments, Interval::DEFAULT).unwrap();
        assert_well_formed(&xml);
        assert_eq!(text_of(&xml, "Command"), command);
        assert_eq!(text_of(&xml, "Arguments"), arguments);
        assert_eq!(text_of(&xml, "Interval"), "PT5M");
    }

    #[test]
    fn the_checker_catches_what_it_must() {
        let good = fill("C:\\d.exe", "update", Interval::DEFAULT).unwrap();
        for broken in [
            good.replacen("</Settings>", "</Setting>", 1),
            good.replacen("&lt;QueryList", "<QueryList", 1),
            format!("{good}& "),
            format!("<!-- note -->{good}"),
            TEMPLATE.to_string(),
            format!("{good}<Task/>"),
        ] {
            let caught = std::panic::catch_unwind(|| assert_well_formed(&broken));
            assert!(
                caught.is_err(),
                "not caught: {}",
                &broken[..60.min(broken.len())]
            );
        }
    }

    #[test]
    fn triggers_principal_and_settings_say_what_the_issue_asks() {
        let xml = fill("C:\\ddns.exe", "--syslog update", Interval::DEFAULT).unwrap();
        // SYSTEM, every interval, at start-up, when a network connects; one run at a time.
        assert_eq!(text_of(&xml, "UserId"), "S-1-5-18");
        for trigger in ["<TimeTrigger>", "<BootTrigger>", "<EventTrigger>"] {
            assert_eq!(xml.matches(trigger).count(), 1, "{trigger}");
        }
        let query = text_of(&xml, "Subscription");
        assert!(query.contains("Path=\"Microsoft-Windows-NetworkProfile/Operational\""));
        assert!(query.contains("EventID=10000"), "{query}");
        assert_eq!(text_of(&xml, "MultipleInstancesPolicy"), "IgnoreNew");
        assert_eq!(text_of(&xml, "Hidden"), "true");
        assert_eq!(text_of(&xml, "ExecutionTimeLimit"), "PT10M");
        assert_eq!(text_of(&xml, "DisallowStartIfOnBatteries"), "false");
        // The triggerBaseType sequence: Enabled, StartBoundary, then Repetition.
        let time = text_of(&xml, "TimeTrigger");
        let at = |s: &str| time.find(s).unwrap();
        assert!(
            at("<Enabled>") < at("<StartBoundary>") && at("<StartBoundary>") < at("<Repetition>")
        );
    }

    #[test]
    fn intervals_are_whole_minutes_within_the_schema_limits() {
        let iso = |s| Interval::from_secs(s).map(Interval::iso8601);
        assert_eq!(iso(60).as_deref(), Some("PT1M"));
        assert_eq!(iso(300).as_deref(), Some("PT5M"));
        assert_eq!(iso(5400).as_deref(), Some("PT90M"));
        assert_eq!(iso(7200).as_deref(), Some("PT2H"));
        assert_eq!(iso(86_400 * 3).as_deref(), Some("P3D"));
        assert_eq!(iso(86_400 * 31).as_deref(), Some("P31D"));
        for refused in [0, 30, 59, 61, 86_400 * 31 + 60] {
            assert_eq!(iso(refused), None, "{refused}");
        }
        assert_eq!(Interval::DEFAULT.iso8601(), "PT5M");
    }

    #[test]
    fn every_is_taken_out_and_arguments_quoted_for_windows() {
        let args = |list: &[&str]| list.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert_eq!(
            take_every(&args(&["--ping", "x", "--every", "10m", "--force"])),
            Ok((Some("10m".into()), args(&["--ping", "x", "--force"])))
        );
        assert_eq!(
            take_every(&args(&["--every=1h"])),
            Ok((Some("1h".into()), Vec::new()))
        );
        assert_eq!(take_every(&args(&[])), Ok((None, Vec::new())));
        assert!(take_every(&args(&["--every"])).is_err());
        assert!(take_every(&args(&["--every", "1m", "--every=2m"])).is_err());
        assert_eq!(
            command_line(&args(&[
                "--syslog",
                "update",
                "--state",
                r"C:\Program Files\ddns\state.json",
                r"C:\dir\",
                r"C:\dir with space\",
                "say \"hi\"",
                ""
            ])),
            r#"--syslog update --state "C:\Program Files\ddns\state.json" C:\dir\ "C:\dir with space\\" "say \"hi\"" """#
        );
        assert_eq!(Interval::DEFAULT.human(), "5 minutes");
        assert_eq!(
            Interval::from_secs(3600).map(Interval::human).as_deref(),
            Some("1 hour")
        );
        assert_eq!(
            Interval::from_secs(172_800).map(Interval::human).as_deref(),
            Some("2 days")
        );
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(
            fill("C:\\ddns.exe", "update\n--force", Interval::DEFAULT),
            None
        );
        assert_eq!(fill("C:\\dd\0ns.exe", "update", Interval::DEFAULT), None);
    }

    #[test]
    fn the_file_for_schtasks_is_utf16_as_windows_exports_it() {
        let xml = fill("C:\\ddns.exe", "update", Interval::DEFAULT).unwrap();
        let bytes = for_schtasks(&xml);
        assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units).unwrap();
        let (declaration, body) = text.split_once("\r\n").unwrap();
        assert_eq!(declaration, "<?xml version=\"1.0\" encoding=\"UTF-16\"?>");
        assert_eq!(body, xml);
    }
}
