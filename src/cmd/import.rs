//! `ddns import-settings PATH`: a name set up from the original Windows client's settings.txt
//! (parsed by `import_settings/`), with its grant, no new consent. The file has no provider id
//! and no consent address, so the provider's settings are discovered as `setup` finds them;
//! when that fails nothing is imported (the error says why; run it again later, or use
//! `ddns setup`).

use crate::cli::ImportArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::import_settings;
use std::io::Read;

/// Run `import-settings`.
pub fn run(ctx: &Context, args: &ImportArgs) -> Result<()> {
    let path = std::path::Path::new(&args.path);
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            f.take(import_settings::MAX_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| Error::usage(format!("could not read {} ({e})", path.display())))?;
    let imported = import_settings::parse(&bytes, path)?;
    let already = |name: &str| {
        Error::usage(format!(
            "{name} is already set up in {}: nothing was imported (`ddns remove {name}` first \
             to replace it)",
            ctx.state_path.display()
        ))
    };
    if crate::state::read(&ctx.state_path)?
        .names
        .contains_key(&imported.name)
    {
        return Err(already(&imported.name));
    }
    let dns = ctx.net.dns();
    let provider = crate::domainconnect::client::settings(dns, ctx.net.http()?, &imported.zone)
        .map_err(|e| {
            Error::new(
                e.class,
                format!(
                    "nothing was imported: the provider's settings for {} could not be found \
                     ({}); try again later, or set the name up with `ddns setup {}`",
                    imported.zone, e.message, imported.name
                ),
            )
        })?;
    let nameservers = dns.nameservers(&imported.zone).unwrap_or_default();
    let (name, provider_name) = (imported.name.clone(), provider.name.clone());
    let entry = imported.into_entry(provider, nameservers)?;
    let mut locked = ctx.lock()?;
    if locked.state.names.contains_key(&name) {
        return Err(already(&name));
    }
    locked.state.names.insert(name.clone(), entry);
    locked.save()?;
    crate::out::say(&format!(
        "{name} is set up with {provider_name} (dynamicdns, A record) and the Windows client's \
         grant; run `ddns update` to publish the address"
    ));
    crate::out::note(
        "Now stop and disable the Windows client's service (DomainConnectDDNSUpdate) and close \
         its tray app: the provider keeps only the newest refresh token, so two clients \
         refreshing one grant lock each other out",
    );
    Ok(())
}
