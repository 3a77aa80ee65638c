//! `ddns remove NAME`: forget a name, its grant and any consent waiting to be finished.

use crate::cli::RemoveArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use serde::Serialize;

/// `remove --json`.
#[derive(Serialize)]
struct Document<'a> {
    name: &'a str,
    removed: bool,
    provider: &'a str,
    /// Whether it had a grant (else only a consent that was never finished).
    set_up: bool,
}

/// Run `remove`.
pub fn run(ctx: &Context, args: &RemoveArgs) -> Result<()> {
    let name = crate::name::normalise(&args.name)?;
    let unknown = || {
        Error::usage(format!(
            "{name} is not set up in {}, so there is nothing to remove",
            ctx.state_path.display()
        ))
    };
    // Look first without the lock: removing an unknown name creates nothing (no state
    // directory, no lock file).
    let seen = crate::state::read(&ctx.state_path)?;
    if !seen.names.contains_key(&name) && !seen.pending.contains_key(&name) {
        return Err(unknown());
    }
    let mut locked = ctx.lock()?;
    let entry = locked.state.names.remove(&name);
    let pending = locked.state.pending.remove(&name);
    let provider = match (&entry, &pending) {
        (Some(e), _) => e.setup.provider.name.clone(),
        (None, Some(p)) => p.setup.provider.name.clone(),
        (None, None) => return Err(unknown()),
    };
    locked.save()?;
    drop(locked);
    if let Some(path) = &ctx.run_file {
        crate::state::lastrun::forget(path, &name);
    }
    let line = if entry.is_some() {
        format!(
            "{name} removed: ddns no longer updates it; its DNS records stay as they are, and \
             the access it was granted can be revoked in {provider}'s control panel"
        )
    } else {
        format!(
            "{name} removed: its consent at {provider} was never finished, so nothing was \
             granted"
        )
    };
    if args.json {
        crate::out::log_only(&line);
        crate::out::say_json(&Document {
            name: &name,
            removed: true,
            provider: &provider,
            set_up: entry.is_some(),
        });
    } else {
        crate::out::say(&line);
    }
    Ok(())
}
