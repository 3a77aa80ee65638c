//! `ddns remove NAME`: forget a name, its grant and any consent waiting to be finished.

use crate::cli::RemoveArgs;
use crate::context::Context;
use crate::error::{Error, Result};

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
        (Some(e), _) => e.provider.name.clone(),
        (None, Some(p)) => p.provider.name.clone(),
        (None, None) => return Err(unknown()),
    };
    locked.save()?;
    if entry.is_some() {
        crate::out::say(&format!(
            "{name} removed: ddns no longer updates it; its DNS records stay as they are, and \
             the access it was granted can be revoked in {provider}'s control panel"
        ));
    } else {
        crate::out::say(&format!(
            "{name} removed: its consent at {provider} was never finished, so nothing was \
             granted"
        ));
    }
    Ok(())
}
