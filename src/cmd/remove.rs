//! `ddns remove NAME`: forget a name and its grant.

use crate::cli::RemoveArgs;
use crate::context::{Context, LOCK_WAIT};
use crate::error::{Error, Result};

/// Run `remove`.
pub fn run(ctx: &Context, args: &RemoveArgs) -> Result<()> {
    let name = crate::name::normalise(&args.name)?;
    let mut locked = crate::state::lock(&ctx.state_path, LOCK_WAIT)?;
    let Some(entry) = locked.state.names.remove(&name) else {
        return Err(Error::usage(format!(
            "{name} is not set up in {}, so there is nothing to remove",
            ctx.state_path.display()
        )));
    };
    locked.save()?;
    crate::out::say(&format!(
        "{name} removed: ddns no longer updates it; its DNS records stay as they are, and the \
         access it was granted can be revoked in {}'s control panel",
        entry.provider.name
    ));
    Ok(())
}
