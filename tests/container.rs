//! The container image from `packaging/build-image`, built and run the way the README says.
//! The OCI archive in dist/ holds, for amd64, arm64 and arm/v7, only `/ddns` (that CPU's binary,
//! byte for byte the one in dist/) and an empty `/data` and `/run` owned by 65532, with the
//! promised user, volume, labels and HEALTHCHECK. The amd64 image runs `setup` (with `--code`,
//! then pasted on stdin), `update` (the record changes), a no-op `update` (nothing written in the
//! volume) and `check`, against the fake provider on the host network, with a read-only root and
//! its state in a named volume, and `update --every` turns healthy by the image's own check.
//! `packaging/compose.yaml`'s service and the Kubernetes CronJob's container run with their
//! files' settings: the service's health turns healthy after its first update, unhealthy after a
//! failed run, healthy again after a good one; the CronJob manifest passes the Kubernetes schema.
//!
//! Needs root, podman and runc (always `podman --runtime runc`: Debian's default runtime, crun,
//! refuses this machine's hybrid cgroups), the dist/ binaries from `packaging/build-all amd64
//! arm64 arm` and, to read the YAML files, kubernetes-validate (PyPI, with PyYAML) in
//! `target/tools/k8s`. The tests that need them are ignored unless asked for (`cargo test --
//! --include-ignored`, as `.ci/run` does, which provides them all and builds the image); then
//! anything missing fails them. Without the image (or with one that holds other binaries than
//! dist/) the first of them builds it.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;
use support::provider::{Canned, Route};
use support::timing::{self, timing};
use support::{NAME, Run, SETUP, World};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One platform of the multi-arch image: OCI architecture and variant, the dist/ file it is
/// built from, and the ELF class (1: 32-bit, 2: 64-bit) and machine that file must have.
struct Platform {
    arch: &'static str,
    variant: Option<&'static str>,
    dist: &'static str,
    elf_class: u8,
    elf_machine: u16,
}

const PLATFORMS: [Platform; 3] = [
    Platform {
        arch: "amd64",
        variant: None,
        dist: "ddns-amd64",
        elf_class: 2,
        elf_machine: 62, // EM_X86_64
    },
    Platform {
        arch: "arm64",
        variant: None,
        dist: "ddns-arm64",
        elf_class: 2,
        elf_machine: 183, // EM_AARCH64
    },
    Platform {
        arch: "arm",
        variant: Some("v7"),
        dist: "ddns-arm",
        elf_class: 1,
        elf_machine: 40, // EM_ARM
    },
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The multi-arch image (a podman manifest list) as build-image tags it.
fn image() -> String {
    format!("localhost/ddns:{VERSION}")
}

fn archive() -> PathBuf {
    repo().join(format!("dist/container/ddns-{VERSION}.oci.tar"))
}

/// The start of `update`'s line for a record published at `ip` and verified at the zone's
/// server at once (the fake publishes at once). Unlike `World`'s own runs, a container run
/// verifies: its environment is the image's and the flags', without `DDNS_VERIFY_TIMEOUT=0`,
/// and as root the fake zone server answers on port 53 of the host network.
fn published_line(ip: &str) -> String {
    format!("home.example.com A {ip} published (visible at 1 of 1 name server after 0.")
}

/// A first update from the container: the record published (and seen at the zone's server),
/// and DNS answering with it.
fn assert_published(w: &World, u: &Run) {
    assert_eq!((u.code, u.stderr.as_str()), (Some(0), ""), "{u:?}");
    assert!(
        u.stdout.starts_with(&published_line("81.2.69.142"))
            && u.stdout.ends_with(" s)\n")
            && u.stdout.lines().count() == 1,
        "{u:?}"
    );
    assert_eq!(
        w.dns_answers(NAME),
        ["81.2.69.142".parse::<std::net::IpAddr>().unwrap()]
    );
}

/// The environment every podman here runs with: `DISABLE_HC_SYSTEMD=true`. For a container
/// with a healthcheck (the image has one) podman starts a systemd timer that runs the check every
/// interval; here the tests run each check themselves (`podman healthcheck run`), so that they
/// know which runs a check saw, and without systemd (this sandbox) podman 4.3 would print two
/// errors about the timer on every `podman run`, which the tests' exact stderr would catch.
const PODMAN_ENV: (&str, &str) = ("DISABLE_HC_SYSTEMD", "true");

/// `podman --runtime runc ARGS`, to completion, with no stdin.
fn podman(args: &[&str]) -> Run {
    Command::new("podman")
        .env(PODMAN_ENV.0, PODMAN_ENV.1)
        .args(["--runtime", "runc"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run podman")
        .into()
}

/// `podman ARGS`, which must succeed; its stdout.
fn podman_ok(args: &[&str]) -> String {
    let r = podman(args);
    assert_eq!(r.code, Some(0), "podman {args:?}: {r:?}");
    r.stdout
}

/// Flags every `podman run` here gets beyond what the README says: none on an ordinary machine.
/// As root, podman sets the container's open-files and processes limits to 1048576, which needs
/// CAP_SYS_RESOURCE; where root lacks it (this sandbox, and CI's), runc fails with "error setting
/// rlimit type 7: operation not permitted", so the limits are set below the current ones.
fn machine_flags() -> Vec<String> {
    const CAP_SYS_RESOURCE: u32 = 24;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let effective = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    if effective & (1 << CAP_SYS_RESOURCE) != 0 {
        return Vec::new();
    }
    [
        "--ulimit",
        "nofile=4096:4096",
        "--ulimit",
        "nproc=4096:4096",
    ]
    .map(String::from)
    .to_vec()
}

/// What the container tests need that this machine lacks, if anything.
fn missing() -> Option<String> {
    if !support::is_root() {
        return Some("root (the container tests run podman as root)".into());
    }
    for tool in ["podman", "runc"] {
        if !support::have(tool) {
            return Some(format!("{tool} (apt-get install podman runc)"));
        }
    }
    for p in &PLATFORMS {
        if !repo().join("dist").join(p.dist).exists() {
            return Some(format!(
                "dist/{} (run packaging/build-all amd64 arm64 arm)",
                p.dist
            ));
        }
    }
    None
}

/// The image, built from the dist/ binaries: built once per test run when it is not there or
/// holds other binaries (CI builds it in `.ci/run`, right after the binaries). Fails the test
/// when root, podman, runc or the binaries are missing.
fn require_image() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        if let Some(what) = missing() {
            return Err(what);
        }
        if !image_is_current() {
            eprintln!("container: building the image with packaging/build-image");
            let out = Command::new(repo().join("packaging/build-image"))
                .current_dir(repo())
                .output()
                .expect("run packaging/build-image");
            let out = Run::from(out);
            assert_eq!(out.code, Some(0), "packaging/build-image: {out:?}");
            assert!(
                image_is_current(),
                "the image just built does not match dist/"
            );
        }
        Ok(())
    });
    if let Err(what) = ready {
        support::require(false, what);
    }
}

/// The archive exists, each platform's image in it holds that platform's dist/ binary, and the
/// local per-platform images are the archive's (same config digest).
fn image_is_current() -> bool {
    if !archive().exists() || podman(&["manifest", "exists", &image()]).code != Some(0) {
        return false;
    }
    let scratch = Scratch::new("current");
    let images = unpack_archive(&archive(), &scratch.0);
    images.len() == PLATFORMS.len()
        && PLATFORMS.iter().all(|p| {
            let Some(img) = images.iter().find(|i| i.arch == p.arch) else {
                return false;
            };
            let id = podman(&[
                "image",
                "inspect",
                "--format",
                "{{.Id}}",
                &format!("{}-{}", image(), p.arch),
            ]);
            std::fs::read(img.rootfs.join("ddns")).ok()
                == std::fs::read(repo().join("dist").join(p.dist)).ok()
                && id.stdout.trim() == img.config_digest.trim_start_matches("sha256:")
        })
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ddns-container-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One platform's image from the OCI archive.
struct Unpacked {
    /// The platform as the image index gives it.
    arch: String,
    variant: Option<String>,
    /// The image config (`architecture`, `config.User`, `config.Labels`, ...).
    config: Value,
    config_digest: String,
    layers: usize,
    /// Its layers unpacked, owners and modes kept.
    rootfs: PathBuf,
}

/// Unpack an OCI archive into `dir`: the one image index it names and each image in it. The
/// index is a Docker manifest list and the images are in Docker's format (build-image's
/// `--format v2s2`: the OCI image format has no HEALTHCHECK).
fn unpack_archive(archive: &Path, dir: &Path) -> Vec<Unpacked> {
    let oci = dir.join("oci");
    std::fs::create_dir_all(&oci).unwrap();
    tar(&[
        "-xf",
        archive.to_str().unwrap(),
        "-C",
        oci.to_str().unwrap(),
    ]);
    let blob = |digest: &str| {
        oci.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let json = |digest: &str| -> Value {
        serde_json::from_slice(&std::fs::read(blob(digest)).unwrap()).unwrap()
    };
    let top: Value =
        serde_json::from_slice(&std::fs::read(oci.join("index.json")).unwrap()).unwrap();
    let entries = top["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one image (index) in the archive: {top}");
    assert_eq!(
        entries[0]["mediaType"], "application/vnd.docker.distribution.manifest.list.v2+json",
        "{top}"
    );
    assert_eq!(
        entries[0]["annotations"]["org.opencontainers.image.ref.name"],
        format!("ddns:{VERSION}")
    );
    let index = json(entries[0]["digest"].as_str().unwrap());
    let mut out = Vec::new();
    for (i, m) in index["manifests"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            m["mediaType"], "application/vnd.docker.distribution.manifest.v2+json",
            "{index}"
        );
        let manifest = json(m["digest"].as_str().unwrap());
        assert_eq!(
            manifest["config"]["mediaType"], "application/vnd.docker.container.image.v1+json",
            "{manifest}"
        );
        let config_digest = manifest["config"]["digest"].as_str().unwrap().to_string();
        let rootfs = dir.join(format!("rootfs-{i}"));
        std::fs::create_dir_all(&rootfs).unwrap();
        let layers = manifest["layers"].as_array().unwrap();
        for layer in layers {
            let path = blob(layer["digest"].as_str().unwrap());
            // GNU tar finds the compression itself; as root it keeps owners and modes.
            tar(&[
                "--numeric-owner",
                "-xpf",
                path.to_str().unwrap(),
                "-C",
                rootfs.to_str().unwrap(),
            ]);
        }
        out.push(Unpacked {
            arch: m["platform"]["architecture"].as_str().unwrap().to_string(),
            variant: m["platform"]["variant"].as_str().map(String::from),
            config: json(&config_digest),
            config_digest,
            layers: layers.len(),
            rootfs,
        });
    }
    out
}

fn tar(args: &[&str]) {
    let out: Run = Command::new("tar")
        .args(args)
        .output()
        .expect("run tar")
        .into();
    assert_eq!(out.code, Some(0), "tar {args:?}: {out:?}");
}

/// Every entry under `root`, sorted: (path, kind, uid, gid, permission bits).
fn listing(root: &Path) -> Vec<(String, &'static str, u32, u32, u32)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, &'static str, u32, u32, u32)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let kind = if meta.is_dir() {
                "dir"
            } else if meta.is_file() {
                "file"
            } else {
                "other"
            };
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            out.push((rel, kind, meta.uid(), meta.gid(), meta.mode() & 0o7777));
            if meta.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// The ELF class and machine of a binary (all three platforms are little-endian).
fn elf_class_and_machine(bytes: &[u8]) -> (u8, u16) {
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(bytes[5], 1, "not little-endian");
    (bytes[4], u16::from_le_bytes([bytes[18], bytes[19]]))
}

#[test]
#[ignore = "needs root, podman, runc and the dist/ binaries of packaging/build-all amd64 arm64 arm"]
fn archive_holds_only_each_platforms_binary_and_data() {
    require_image();
    let scratch = Scratch::new("archive");
    let images = unpack_archive(&archive(), &scratch.0);
    let platforms: Vec<_> = images
        .iter()
        .map(|i| (i.arch.as_str(), i.variant.as_deref()))
        .collect();
    assert_eq!(
        platforms,
        [("amd64", None), ("arm64", None), ("arm", Some("v7"))]
    );
    let mut sizes = Vec::new();
    for p in &PLATFORMS {
        let img = images.iter().find(|i| i.arch == p.arch).unwrap();
        let c = &img.config;
        assert_eq!(
            (&c["os"], &c["architecture"], c["variant"].as_str()),
            (&Value::from("linux"), &Value::from(p.arch), p.variant),
            "{c}"
        );
        let cfg = &c["config"];
        assert_eq!(cfg["User"], "65532:65532", "{cfg}");
        assert_eq!(cfg["Entrypoint"], serde_json::json!(["/ddns"]), "{cfg}");
        assert_eq!(cfg["Cmd"], serde_json::json!(["update"]), "{cfg}");
        assert_eq!(cfg["Volumes"], serde_json::json!({"/data": {}}), "{cfg}");
        let env = cfg["Env"].as_array().unwrap();
        for var in ["DDNS_STATE=/data/state.json", "DDNS_RUN_DIR=/run"] {
            assert!(env.contains(&Value::from(var)), "{var}: {cfg}");
        }
        assert_eq!(cfg["Healthcheck"], healthcheck(), "{cfg}");
        let labels = cfg["Labels"].as_object().unwrap();
        let label = |k: &str| labels[&format!("org.opencontainers.image.{k}")].clone();
        assert_eq!(label("version"), VERSION);
        assert_eq!(label("licenses"), env!("CARGO_PKG_LICENSE"));
        assert_eq!(label("description"), env!("CARGO_PKG_DESCRIPTION"));
        assert!(label("source").as_str().unwrap().starts_with("https://"));

        // Only the binary, the empty volume directory and the empty directory for the last run:
        // no shell, no CA bundle, no /etc.
        assert_eq!(img.layers, 1);
        assert_eq!(
            listing(&img.rootfs),
            [
                ("data".to_string(), "dir", 65532, 65532, 0o755),
                ("ddns".to_string(), "file", 0, 0, 0o755),
                ("run".to_string(), "dir", 65532, 65532, 0o755),
            ],
            "{}",
            p.arch
        );
        let bin = std::fs::read(img.rootfs.join("ddns")).unwrap();
        assert_eq!(
            elf_class_and_machine(&bin),
            (p.elf_class, p.elf_machine),
            "{}: /ddns is for the wrong CPU",
            p.arch
        );
        let dist = std::fs::read(repo().join("dist").join(p.dist)).unwrap();
        assert!(bin == dist, "{}: /ddns is not dist/{}", p.arch, p.dist);

        // The image is the binary plus a few tar headers.
        let size: u64 = podman_ok(&[
            "image",
            "inspect",
            "--format",
            "{{.Size}}",
            &format!("{}-{}", image(), p.arch),
        ])
        .trim()
        .parse()
        .unwrap();
        let overhead = size - dist.len() as u64;
        assert!(overhead < 16 * 1024, "{}: {size} bytes", p.arch);
        sizes.push(format!(
            "{} {size} bytes ({} binary + {overhead})",
            p.arch,
            dist.len()
        ));
    }
    eprintln!(
        "container image sizes: {}; {} {} bytes",
        sizes.join(", "),
        archive().display(),
        std::fs::metadata(archive()).unwrap().len()
    );

    // The archive loads elsewhere (here: a private, throwaway store) as the native image. Every
    // path podman keeps state in is inside the scratch directory, and removing that directory is
    // the whole cleanup: `podman system reset` would also empty the shared /run/libpod, where
    // the other tests' containers keep their exit codes.
    let store = Scratch::new("load");
    let private = |args: &[&str]| {
        let dirs = ["root", "runroot", "tmpdir", "volumepath"].map(|d| store.0.join(d));
        let mut all = vec!["--storage-driver", "vfs"];
        let flags = ["--root", "--runroot", "--tmpdir", "--volumepath"];
        for (flag, dir) in flags.iter().zip(&dirs) {
            all.extend([*flag, dir.to_str().unwrap()]);
        }
        all.extend_from_slice(args);
        podman(&all)
    };
    let load = private(&["load", "-i", archive().to_str().unwrap()]);
    assert_eq!(load.code, Some(0), "{load:?}");
    assert!(
        load.stdout
            .contains(&format!("Loaded image: localhost/ddns:{VERSION}")),
        "{load:?}"
    );
    let loaded = private(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}} {{.Architecture}}",
        &format!("ddns:{VERSION}"),
    ]);
    let amd64 = images.iter().find(|i| i.arch == "amd64").unwrap();
    assert_eq!(
        loaded.stdout.trim(),
        format!(
            "{} amd64",
            amd64.config_digest.trim_start_matches("sha256:")
        ),
        "{loaded:?}"
    );
    // The HEALTHCHECK survives the load: podman takes an image's only from Docker's format, so
    // an archive of OCI images would have lost it.
    let check = private(&[
        "image",
        "inspect",
        "--format",
        "{{json .HealthCheck}}",
        &format!("ddns:{VERSION}"),
    ]);
    assert_eq!(
        serde_json::from_str::<Value>(&check.stdout).ok(),
        Some(healthcheck()),
        "{check:?}"
    );
}

/// The image's HEALTHCHECK as its config holds it (durations in nanoseconds): packaging/
/// Dockerfile's numbers, explained there.
fn healthcheck() -> Value {
    let s = 1_000_000_000_u64;
    serde_json::json!({
        "Test": ["CMD", "/ddns", "health"],
        "Interval": 30 * s,
        "Timeout": 10 * s,
        "StartPeriod": 60 * s,
        "Retries": 3,
    })
}

#[test]
fn the_dockerfile_compose_and_cronjob_name_this_version() {
    let dockerfile = std::fs::read_to_string(repo().join("packaging/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains(&format!("\nARG VERSION={VERSION}\n")),
        "packaging/Dockerfile's VERSION default (docker build without --build-arg) is not {VERSION}"
    );
    for file in [
        "packaging/compose.yaml",
        "packaging/kubernetes/cronjob.yaml",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let images: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("image: "))
            .collect();
        assert_eq!(images, [format!("ddns:{VERSION}")], "{file}");
    }
}

/// A named podman volume, removed on drop.
struct Volume {
    name: String,
    /// Where its files are on the host.
    mountpoint: PathBuf,
}

impl Volume {
    fn create(tag: &str) -> Volume {
        let name = format!("ddns-test-{tag}-{}", std::process::id());
        let _ = podman(&["volume", "rm", "--force", &name]);
        podman_ok(&["volume", "create", &name]);
        let mountpoint = podman_ok(&["volume", "inspect", "--format", "{{.Mountpoint}}", &name]);
        Volume {
            name,
            mountpoint: PathBuf::from(mountpoint.trim()),
        }
    }
}

impl Drop for Volume {
    fn drop(&mut self) {
        let _ = podman(&["volume", "rm", "--force", &self.name]);
    }
}

/// A detached container, removed on drop.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman(&["rm", "--force", "--volumes", "--time", "0", &self.0]);
    }
}

/// What points the containerised binary at the fake world: the host network, the fake's
/// resolver and echo URL, and the test CA mounted read-only.
fn fake_world_flags(w: &World) -> Vec<String> {
    vec![
        "--network".into(),
        "host".into(),
        "-e".into(),
        format!("DDNS_RESOLVER={}", w.dns),
        "-e".into(),
        format!("DDNS_IP_SOURCES={}", w.echo_url()),
        "-e".into(),
        "SSL_CERT_FILE=/ca.pem".into(),
        "-v".into(),
        format!("{}:/ca.pem:ro", w.ca_file.display()),
    ]
}

/// `podman run --rm` (with `-i` when `stdin`) the way the README runs the image, as a `World`
/// wrapper (through `env`, for [`PODMAN_ENV`]): the ddns arguments follow.
fn readme_run(w: &World, volume: &Volume, image: &str, stdin: bool) -> Vec<String> {
    let env = format!("{}={}", PODMAN_ENV.0, PODMAN_ENV.1);
    let mut args: Vec<String> = ["env", &env, "podman", "--runtime", "runc", "run", "--rm"]
        .map(String::from)
        .to_vec();
    if stdin {
        args.push("-i".into());
    }
    args.extend(machine_flags());
    args.extend(fake_world_flags(w));
    args.extend([
        "--read-only".into(),
        "-v".into(),
        format!("{}:/data", volume.name),
        image.into(),
    ]);
    args
}

fn set_wrapper(w: &mut World, args: &[String]) {
    w.wrapper = args.to_vec();
}

/// Every file of a directory by name, with its inode, size and bytes ([`support::FileState`]):
/// equal snapshots mean nothing was written, created, removed or replaced there (`ddns` saves
/// by renaming a new file over the old, which changes the inode; no clock is involved).
fn snapshot(dir: &Path) -> Vec<(String, support::FileState)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                support::FileState::of(&e.path()),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
#[ignore = "needs root, podman, runc and the dist/ binaries of packaging/build-all amd64 arm64 arm"]
fn amd64_image_runs_as_the_readme_says() {
    require_image();
    let mut w = World::new(&repo().join("dist/ddns-amd64"), "container-readme");
    let volume = Volume::create("readme");
    w.state = volume.mountpoint.join("state.json");
    let image = format!("ddns:{VERSION}");
    let plain = readme_run(&w, &volume, &image, false);
    let interactive = readme_run(&w, &volume, &image, true);
    eprintln!("container: {} ARGS", plain.join(" "));
    set_wrapper(&mut w, &plain);
    let mut runs = Vec::new();

    // The state path comes from the image (DDNS_STATE=/data/state.json), not from the test.
    w.assert_starts_empty("container");

    // setup with the code on the command line, then again with the redirect pasted on stdin
    // (`-i`), which replaces the grant.
    let code = w.consent_code("home");
    let s = w.run(&["setup", NAME, "--ipv4", "--code", &code]);
    assert_eq!(s.code, Some(0), "{s:?}");
    assert!(
        s.stdout.ends_with("home.example.com is set up with Fake DNS (dynamicdns-v2, A record); run `ddns update` to publish the address\n"),
        "{s:?}"
    );
    set_wrapper(&mut w, &interactive);
    let s2 = w.setup(&["--ipv4"]);
    assert_eq!(s2.code, Some(0), "{s2:?}");
    assert!(
        s2.stdout
            .starts_with(&format!("https://ux.provider.test:{}/", w.fake.port)),
        "{s2:?}"
    );
    assert!(
        s2.stdout
            .ends_with("run `ddns update` to publish the address\n"),
        "{s2:?}"
    );
    assert_eq!((w.count(Route::TokenCode), w.count(Route::Apply)), (2, 0));
    set_wrapper(&mut w, &plain);

    // update: the record changes.
    assert_eq!(w.dns_answers(NAME), Vec::<std::net::IpAddr>::new());
    let u = w.run(&["update"]);
    assert_published(&w, &u);
    assert_eq!(w.count(Route::Apply), 1);

    // A second update changes nothing and writes nothing in the volume.
    let before = snapshot(&volume.mountpoint);
    let u2 = w.run(&["update"]);
    assert_eq!(
        (u2.code, u2.stdout.as_str(), u2.stderr.as_str()),
        (Some(0), "home.example.com A 81.2.69.142 unchanged\n", ""),
        "{u2:?}"
    );
    assert_eq!(snapshot(&volume.mountpoint), before, "nothing written");
    assert_eq!(w.count(Route::Apply), 1);

    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(0), "{c:?}");
    assert!(c.stdout.starts_with("home.example.com: in sync\n"), "{c:?}");
    let j = w.run(&["check", "--json"]);
    assert_eq!(j.code, Some(0), "{j:?}");
    let doc: Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(
        (
            &doc["names"][0]["name"],
            &doc["names"][0]["status"],
            &doc["names"][0]["exit"]
        ),
        (&Value::from(NAME), &Value::from("in-sync"), &Value::from(0)),
        "{doc}"
    );
    assert_eq!(doc["names"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(
        snapshot(&volume.mountpoint),
        before,
        "check wrote something"
    );

    // The state belongs to the image's user, readable by it alone.
    let meta = std::fs::metadata(&w.state).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o777),
        (65532, 65532, 0o600)
    );
    assert_eq!(
        w.state_json()["names"][NAME]["published"]["ipv4"],
        "81.2.69.142"
    );
    runs.extend([c, s, s2, u, u2, j]);

    // Kept running (`update --every`, as docs/container.md runs it with a read-only root), the
    // image's own HEALTHCHECK turns healthy after the first run: the last run is recorded in
    // /run (DDNS_RUN_DIR), a tmpfs given to the image's user (`U`: podman's own tmpfs there, for
    // --read-only, is root's).
    let run = plain.iter().position(|a| a == "run").unwrap();
    let name = format!("ddns-test-readme-{}", std::process::id());
    let mut args: Vec<&str> = vec!["run", "--detach", "--name", &name, "--tmpfs", "/run:U"];
    args.extend(plain[run + 2..plain.len() - 1].iter().map(String::as_str)); // after run --rm
    args.extend([image.as_str(), "update", "--every", "5m"]);
    let started = podman(&args);
    assert_eq!(started.code, Some(0), "{started:?}");
    let container = Container(name);
    let config = podman_ok(&[
        "inspect",
        "--format",
        "{{json .Config.Healthcheck}}",
        &container.0,
    ]);
    assert_eq!(
        serde_json::from_str::<Value>(&config).ok(),
        Some(healthcheck())
    );
    timing::wait_for(
        "the first run of update --every",
        timing().container_start,
        || {
            let l = podman(&["logs", &container.0]);
            format!("{}{}", l.stdout, l.stderr)
                .contains("update finished with status 0; the next one in 5 min")
        },
    );
    let c = podman(&["healthcheck", "run", &container.0]);
    assert_eq!(c.code, Some(0), "{c:?}");
    let h: Value = serde_json::from_str(&podman_ok(&[
        "inspect",
        "--format",
        "{{json .State.Health}}",
        &container.0,
    ]))
    .unwrap();
    assert_eq!(h["Status"], "healthy", "{h}");
    assert!(
        h["Log"][0]["Output"]
            .as_str()
            .unwrap()
            .starts_with("healthy: every name was updated within 1 h (the last run "),
        "{h}"
    );
    drop(container);

    // No shell: `sh` is only an argument to ddns, and there is no sh to run instead.
    let run = plain.iter().position(|a| a == "run").unwrap();
    let base = &plain[run..plain.len() - 1]; // run --rm ... (without env, podman, image)
    let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
    args.extend([image.as_str(), "sh"]);
    let sh = podman(&args);
    assert_eq!(
        (sh.code, sh.stdout.as_str(), sh.stderr.as_str()),
        (
            Some(2),
            "",
            "ddns: Unrecognized argument: sh; see `ddns --help`\n"
        ),
        "{sh:?}"
    );
    for shell in ["sh", "/bin/sh"] {
        let mut args: Vec<&str> = base.iter().map(String::as_str).collect();
        args.extend(["--entrypoint", shell, image.as_str()]);
        let r = podman(&args);
        assert_eq!(r.code, Some(127), "{shell}: {r:?}");
        assert!(
            r.stderr.contains(&format!("exec: \"{shell}\"")),
            "{shell}: {r:?}"
        );
    }

    for r in &runs {
        w.assert_no_secrets(&format!("{}{}", r.stdout, r.stderr));
    }
    // Two setups (the code given, then pasted); the two updates, two checks and the first run
    // of `update --every` detected, the first update applied; the shell attempts never reached
    // ddns's network code.
    w.expect_all(&SETUP);
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 5), (Route::Apply, 1)]);
    w.assert_strict();
}

/// A YAML file as JSON values, one per document, read by PyYAML from the kubernetes-validate
/// environment (the test fails when it is not installed).
fn yaml_documents(file: &str) -> Vec<Value> {
    let python = k8s_tools().join("bin/python");
    support::require(
        python.exists(),
        &format!(
            "{} (python3 -m venv target/tools/k8s && target/tools/k8s/bin/pip install kubernetes-validate)",
            python.display()
        ),
    );
    let out: Run = Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
        ])
        .arg(repo().join(file))
        .output()
        .expect("run python")
        .into();
    assert_eq!(out.code, Some(0), "{file}: {out:?}");
    serde_json::from_str(&out.stdout).unwrap()
}

fn k8s_tools() -> PathBuf {
    std::env::var_os("DDNS_K8S_TOOLS")
        .map_or_else(|| repo().join("target/tools/k8s"), PathBuf::from)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| {
            s.as_str()
                .unwrap_or_else(|| panic!("not a string: {s}"))
                .to_string()
        })
        .collect()
}

/// Set up the name in `volume` with the image, the way `compose run --rm ddns setup NAME` and
/// the CronJob's setup pod do.
fn setup_in_volume(w: &World, volume: &Volume) {
    let mut args = readme_run(w, volume, &format!("ddns:{VERSION}"), false);
    let code = w.consent_code("home");
    args.extend(["setup", NAME, "--ipv4", "--code", &code].map(String::from));
    let out: Run = Command::new(&args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, Some(0), "{out:?}");
}

/// A compose healthcheck (`test`, `interval`, `timeout`, `start_period`, `retries`; any other
/// key fails the test) and the podman flags that give a container the same check.
struct Healthcheck {
    test: Vec<String>,
    start_period: std::time::Duration,
    retries: u32,
    flags: Vec<String>,
}

impl Healthcheck {
    fn from_compose(value: &Value) -> Healthcheck {
        let map = value.as_object().unwrap();
        let test = strings(&map["test"]);
        assert_eq!(test[0], "CMD", "the exec form: the image has no shell");
        // podman takes a JSON list as the exec form, as compose's CMD.
        let mut flags = vec![
            "--health-cmd".to_string(),
            serde_json::to_string(&test[1..]).unwrap(),
        ];
        let mut start_period = std::time::Duration::ZERO;
        let mut retries = 3; // compose's (and podman's) default
        for (key, v) in map {
            let setting = v.as_str().map_or_else(|| v.to_string(), String::from);
            match key.as_str() {
                "test" => continue,
                "interval" | "timeout" => {}
                "start_period" => start_period = go_duration(&setting),
                "retries" => retries = v.as_u64().unwrap().try_into().unwrap(),
                other => panic!("compose.yaml: this test does not know healthcheck.{other}"),
            }
            flags.extend([format!("--health-{}", key.replace('_', "-")), setting]);
        }
        Healthcheck {
            test,
            start_period,
            retries,
            flags,
        }
    }
}

/// A compose (Go) duration such as `30s`, `1m` or `1m30s`.
fn go_duration(text: &str) -> std::time::Duration {
    let mut total = std::time::Duration::ZERO;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number
            .parse()
            .unwrap_or_else(|_| panic!("duration {text:?}"));
        number.clear();
        total += std::time::Duration::from_secs(match c {
            's' => n,
            'm' => n * 60,
            'h' => n * 3600,
            _ => panic!("duration {text:?}: this test knows s, m and h"),
        });
    }
    assert!(number.is_empty(), "duration {text:?} has no unit");
    total
}

/// A compose `tmpfs` entry as the podman flag's value: podman 4.3 has no `uid=` and `gid=`
/// tmpfs options, and `U` gives the tmpfs to the container's user, which must be the same.
fn podman_tmpfs(entry: &str, user: &str) -> String {
    let (target, options) = entry.split_once(':').unwrap_or((entry, ""));
    let (uid, gid) = user.split_once(':').unwrap();
    let mut owner = (None, None);
    let mut kept: Vec<&str> = Vec::new();
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some(("uid", v)) => owner.0 = Some(v),
            Some(("gid", v)) => owner.1 = Some(v),
            _ => kept.push(option),
        }
    }
    match owner {
        (None, None) => {}
        (Some(u), Some(g)) => {
            assert_eq!((u, g), (uid, gid), "{entry}: not the service's user");
            kept.push("U");
        }
        _ => panic!("{entry}: give both uid= and gid="),
    }
    format!("{target}:{}", kept.join(","))
}

/// packaging/compose.yaml's service, started the way `docker compose up -d` starts it: every key
/// of the service becomes the podman flag compose would pass (a key this test does not know
/// fails it), plus the flags that point it at the fake world. Needs `ddns update --every`.
/// The service's healthcheck is run by the test (see [`PODMAN_ENV`]) with `podman healthcheck
/// run`: healthy after the first update; after a failed run (a new address, refused with 503),
/// unhealthy once its retries are used up, with `ddns health`'s line as the check's output;
/// healthy again after a good run.
#[test]
#[ignore = "needs root, podman, runc, the dist/ binaries of packaging/build-all amd64 arm64 arm and kubernetes-validate in target/tools/k8s"]
fn compose_service_keeps_updating_and_stops_cleanly_on_sigterm() {
    let docs = yaml_documents("packaging/compose.yaml");
    require_image();
    let compose = &docs[0];
    let services = compose["services"].as_object().unwrap();
    assert_eq!(services.keys().collect::<Vec<_>>(), ["ddns"], "{compose}");
    let svc = services["ddns"].as_object().unwrap();

    let mut w = World::new(&repo().join("dist/ddns-amd64"), "container-compose");
    let volume = Volume::create("compose");
    w.state = volume.mountpoint.join("state.json");

    // The flags compose gives both `compose run` and `compose up` from the service's keys.
    let mut flags: Vec<String> = machine_flags();
    flags.extend(fake_world_flags(&w));
    let mut image = None;
    let mut command = Vec::new();
    let mut restart = None;
    let mut health = None;
    let mut tmpfs = Vec::new();
    for (key, value) in svc {
        match key.as_str() {
            "image" => image = Some(value.as_str().unwrap().to_string()),
            "healthcheck" => {
                let h = Healthcheck::from_compose(value);
                flags.extend(h.flags.iter().cloned());
                health = Some(h);
            }
            "tmpfs" => {
                let user = svc["user"].as_str().unwrap();
                for entry in strings(value) {
                    flags.extend(["--tmpfs".into(), podman_tmpfs(&entry, user)]);
                    tmpfs.push(entry);
                }
            }
            "command" => command = strings(value),
            "restart" => restart = Some(value.as_str().unwrap().to_string()),
            "user" => flags.extend(["--user".into(), value.as_str().unwrap().into()]),
            "read_only" => {
                assert_eq!(value, true, "read_only");
                flags.push("--read-only".into());
            }
            "cap_drop" => {
                for cap in strings(value) {
                    flags.extend(["--cap-drop".into(), cap]);
                }
            }
            "security_opt" => {
                for opt in strings(value) {
                    flags.extend(["--security-opt".into(), opt]);
                }
            }
            "volumes" => {
                for v in strings(value) {
                    let (source, target) = v.split_once(':').unwrap();
                    assert!(
                        compose["volumes"].as_object().unwrap().contains_key(source),
                        "{source} is not a named volume of the file"
                    );
                    assert_eq!(target, "/data", "{v}");
                    flags.extend(["-v".into(), format!("{}:/data", volume.name)]);
                }
            }
            "environment" => match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        flags.extend(["-e".into(), format!("{k}={}", v.as_str().unwrap())]);
                    }
                }
                list => {
                    for kv in strings(list) {
                        flags.extend(["-e".into(), kv]);
                    }
                }
            },
            other => panic!("compose.yaml: this test does not know the key {other:?}"),
        }
    }
    // What the README promises for the service.
    let get = |k: &str| svc.get(k).cloned().unwrap_or(Value::Null);
    assert_eq!(get("read_only"), true);
    assert_eq!(get("user"), "65532:65532");
    assert_eq!(get("volumes"), serde_json::json!(["ddns-data:/data"]));
    assert_eq!(restart.as_deref(), Some("unless-stopped"));
    assert_eq!(command[..2], ["update", "--every"], "{command:?}");
    let image = image.expect("an image");
    // The last run in RAM, where the image's DDNS_RUN_DIR says, owned by the service's user.
    assert_eq!(tmpfs.len(), 1, "{tmpfs:?}");
    assert!(
        tmpfs[0].starts_with("/run:") && tmpfs[0].contains("uid=65532,gid=65532"),
        "{tmpfs:?}"
    );
    // The image's check, with the age tied to --every 5m (three runs).
    let health = health.expect("a healthcheck");
    assert_eq!(command, ["update", "--every", "5m"]);
    assert_eq!(health.test, ["CMD", "/ddns", "health", "--max-age", "15m"]);

    // `docker compose run --rm ddns setup NAME --code CODE`
    let code = w.consent_code("home");
    let mut args: Vec<&str> = vec!["run", "--rm"];
    args.extend(flags.iter().map(String::as_str));
    args.extend([image.as_str(), "setup", NAME, "--ipv4", "--code", &code]);
    let s = podman(&args);
    assert_eq!(s.code, Some(0), "{s:?}");

    // `docker compose up -d`
    let name = format!("ddns-test-compose-{}", std::process::id());
    let restart = restart.unwrap();
    let mut args: Vec<&str> = vec!["run", "--detach", "--name", &name, "--restart", &restart];
    args.extend(flags.iter().map(String::as_str));
    args.push(&image);
    args.extend(command.iter().map(String::as_str));
    eprintln!("container: podman --runtime runc {}", args.join(" "));
    let started = podman(&args);
    assert_eq!(started.code, Some(0), "{started:?}");
    let started_at = Instant::now();
    let container = Container(name);

    // Everything the container printed; its last lines for a failure message (a crash loop
    // under `restart: unless-stopped` prints the same error many times).
    let logs = || {
        let l = podman(&["logs", &container.0]);
        format!("{}{}", l.stdout, l.stderr)
    };
    let tail = || {
        let all = logs();
        let lines: Vec<&str> = all.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    };
    let inspect = |format: &str| podman_ok(&["inspect", "--format", format, &container.0]);
    // The first update runs at once, and the process stays up for the next one.
    let record_published =
        || w.dns_answers(NAME) == ["81.2.69.142".parse::<std::net::IpAddr>().unwrap()];
    let waiting = || logs().contains("update finished with status 0; the next one in 5 min");
    let limit = timing().container_start;
    let start = Instant::now();
    while !(record_published() && waiting()) {
        assert!(
            start.elapsed() < limit,
            "no first update within {limit:?}; state {}, logs:\n{}",
            inspect("{{.State.Status}} {{.State.ExitCode}}"),
            tail()
        );
        std::thread::sleep(timing().poll);
    }
    // It said it waits for the next run; a process about to exit would be gone by now.
    std::thread::sleep(timing().at_once);
    assert_eq!(
        inspect("{{.State.Status}} {{.RestartCount}}").trim(),
        "running 0",
        "logs:\n{}",
        tail()
    );
    assert!(
        logs().contains(&published_line("81.2.69.142")),
        "{}",
        tail()
    );

    // Health. After the first update: healthy, with `ddns health`'s line as the check's output.
    let check = || podman(&["healthcheck", "run", &container.0]);
    let state = || -> Value { serde_json::from_str(&inspect("{{json .State.Health}}")).unwrap() };
    let output = |h: &Value| h["Log"].as_array().unwrap().last().unwrap()["Output"].clone();
    let c = check();
    assert_eq!(c.code, Some(0), "{c:?}");
    let h = state();
    assert_eq!(
        (&h["Status"], &h["FailingStreak"]),
        (&"healthy".into(), &0.into()),
        "{h}"
    );
    // (podman keeps the output without its last newline.)
    let line = output(&h);
    let line = line.as_str().unwrap();
    assert!(
        line.starts_with("healthy: every name was updated within 15 min (the last run ")
            && line.ends_with(" ago)")
            && !line.contains('\n'),
        "{h}"
    );
    // The last run is in the tmpfs at /run (RAM), the service user's, and nowhere in the volume.
    let pid = inspect("{{.State.Pid}}").trim().to_string();
    let mounts = std::fs::read_to_string(format!("/proc/{pid}/mounts")).unwrap();
    assert!(
        mounts
            .lines()
            .any(|l| l.starts_with("tmpfs /run tmpfs ") && l.contains("uid=65532,gid=65532")),
        "{mounts}"
    );
    let run_dir = PathBuf::from(format!("/proc/{pid}/root/run"));
    let recorded: Vec<_> = std::fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("ddns-last-run-")
        })
        .map(|e| {
            let m = e.metadata().unwrap();
            (m.uid(), m.mode() & 0o777)
        })
        .collect();
    assert_eq!(recorded, [(65532, 0o600)], "{}", run_dir.display());
    let in_volume: Vec<_> = snapshot(&volume.mountpoint)
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.contains("last-run"))
        .collect();
    assert_eq!(in_volume, Vec::<String>::new());

    // A failed run (as `docker compose exec ddns /ddns update` starts one): a new public
    // address, which the provider refuses with 503.
    w.set_public_v4("81.2.69.160");
    w.can(Route::Apply, Canned::new(503, "down"));
    let failed = podman(&["exec", &container.0, "/ddns", "update"]);
    assert_eq!(failed.code, Some(3), "{failed:?}");
    assert!(failed.stderr.contains("HTTP 503"), "{failed:?}");
    // Failed checks count once the start period is over: podman 4.3 counts it from the start
    // (Docker ends it at the first good check, which was above), so wait until it has passed.
    let left = health.start_period.saturating_sub(started_at.elapsed());
    eprintln!("container: waiting {left:?} for the healthcheck's start period to pass");
    std::thread::sleep(left + timing().at_once);
    // Each check fails with the one line; the status turns unhealthy at the last retry.
    for failures in 1..=health.retries {
        let c = check();
        assert_eq!((c.code, c.stdout.trim()), (Some(1), "unhealthy"), "{c:?}");
        let h = state();
        let status = if failures < health.retries {
            "healthy"
        } else {
            "unhealthy"
        };
        assert_eq!(
            (&h["Status"], &h["FailingStreak"]),
            (&status.into(), &failures.into()),
            "{h}"
        );
        let line = output(&h);
        let line = line.as_str().unwrap();
        assert!(
            line.starts_with(
                "unhealthy: home.example.com: the provider could not complete the update (HTTP 503"
            ) && !line.contains('\n'),
            "{h}"
        );
    }
    eprintln!(
        "container: after a failed run and {} checks: {}",
        health.retries,
        inspect("{{.State.Health.Status}}: {{json .State.Health.Log}}").trim()
    );
    assert_eq!(
        inspect("{{.State.Status}} {{.RestartCount}}").trim(),
        "running 0",
        "unhealthy restarts nothing"
    );

    // A good run (the next address is tried at once, back-off or not): healthy at the next check.
    w.set_public_v4("81.2.69.161");
    let good = podman(&["exec", &container.0, "/ddns", "update"]);
    assert_eq!(good.code, Some(0), "{good:?}");
    assert_eq!(
        w.dns_answers(NAME),
        ["81.2.69.161".parse::<std::net::IpAddr>().unwrap()]
    );
    let c = check();
    assert_eq!(c.code, Some(0), "{c:?}");
    let h = state();
    assert_eq!(
        (&h["Status"], &h["FailingStreak"]),
        (&"healthy".into(), &0.into()),
        "{h}"
    );
    w.assert_no_secrets_in(&[&failed, &good]);

    // `docker compose stop`: SIGTERM to ddns (PID 1 in the container, so only a handler can
    // stop it), then SIGKILL after twice the slack. It must stop well before, with status 0.
    let kill_after = (2 * timing().slack).as_secs().to_string();
    let start = Instant::now();
    let stop = podman(&["stop", "--time", &kill_after, &container.0]);
    let took = start.elapsed();
    assert_eq!(stop.code, Some(0), "{stop:?}");
    assert_eq!(
        inspect("{{.State.Status}} {{.State.ExitCode}}").trim(),
        "exited 0",
        "logs:\n{}",
        tail()
    );
    assert!(took < timing().slack, "stop took {took:?}");
    eprintln!("container: compose service stopped in {took:?} with status 0");
    let meta = std::fs::metadata(&w.state).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (65532, 0o600));
    w.assert_no_secrets(&logs());
    // The setup, the service's first run (the next is 5 minutes away), the failed run and the
    // good one.
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 3), (Route::Apply, 3)]);
    w.assert_strict();
}

/// The CronJob manifest against the Kubernetes schema (kubernetes-validate, strict: unknown
/// fields fail), then the fields the README promises.
#[test]
#[ignore = "needs kubernetes-validate (PyPI) in target/tools/k8s"]
fn kubernetes_cronjob_passes_the_schema_and_keeps_its_promises() {
    let docs = yaml_documents("packaging/kubernetes/cronjob.yaml");
    let validate = k8s_tools().join("bin/kubernetes-validate");
    let file = repo().join("packaging/kubernetes/cronjob.yaml");
    // The oldest and the newest schema the validator carries (CronJob is batch/v1 since 1.21).
    for k8s in ["1.25.0", "1.37.0"] {
        let out: Run = Command::new(&validate)
            .args(["--strict", "-k", k8s])
            .arg(&file)
            .output()
            .expect("run kubernetes-validate")
            .into();
        assert_eq!(out.code, Some(0), "{k8s}: {out:?}");
        let said = format!("{}{}", out.stdout, out.stderr);
        for resource in ["cronjob/ddns", "persistentvolumeclaim/ddns-state"] {
            assert!(
                said.contains(&format!("passed for resource {resource}")),
                "{k8s}: {said}"
            );
        }
    }
    // The validator does reject what does not fit the schema.
    let scratch = Scratch::new("k8s");
    let bad = scratch.0.join("cronjob.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &bad,
        text.replace(
            "readOnlyRootFilesystem: true",
            "readOnlyRootFileSystem: true",
        ),
    )
    .unwrap();
    let out: Run = Command::new(&validate)
        .arg("--strict")
        .arg(&bad)
        .output()
        .unwrap()
        .into();
    assert_ne!(out.code, Some(0), "a misspelt field passed: {out:?}");

    let (cron, pvc) = cronjob_and_claim(&docs);
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    assert_eq!(cron["spec"]["schedule"], "*/5 * * * *");
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let sc = &pod["securityContext"];
    assert_eq!(
        (&sc["runAsNonRoot"], &sc["runAsUser"], &sc["runAsGroup"]),
        (&Value::from(true), &Value::from(65532), &Value::from(65532))
    );
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    assert_eq!(c["args"], serde_json::json!(["update"]));
    assert!(c.get("command").is_none(), "command would replace /ddns");
    let csc = &c["securityContext"];
    assert_eq!(csc["readOnlyRootFilesystem"], true);
    assert_eq!(csc["allowPrivilegeEscalation"], false);
    assert_eq!(csc["capabilities"], serde_json::json!({"drop": ["ALL"]}));
    assert_eq!(
        c["volumeMounts"],
        serde_json::json!([{"name": "state", "mountPath": "/data"}])
    );
    assert_eq!(
        pod["volumes"],
        serde_json::json!([{"name": "state", "persistentVolumeClaim": {"claimName": pvc["metadata"]["name"]}}])
    );
}

fn cronjob_and_claim(docs: &[Value]) -> (&Value, &Value) {
    let find = |kind: &str| {
        let found: Vec<&Value> = docs.iter().filter(|d| d["kind"] == kind).collect();
        assert_eq!(found.len(), 1, "one {kind}");
        found[0]
    };
    (find("CronJob"), find("PersistentVolumeClaim"))
}

/// The CronJob's container, run with podman the way the kubelet would run it: its user, read-only
/// root, no capabilities, no privilege escalation, its environment, its args, the claim as a
/// volume on its mount path.
#[test]
#[ignore = "needs root, podman, runc, the dist/ binaries of packaging/build-all amd64 arm64 arm and kubernetes-validate in target/tools/k8s"]
fn kubernetes_cronjob_container_runs_with_its_settings() {
    let docs = yaml_documents("packaging/kubernetes/cronjob.yaml");
    require_image();
    let (cron, _) = cronjob_and_claim(&docs);
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let mut w = World::new(&repo().join("dist/ddns-amd64"), "container-k8s");
    let volume = Volume::create("k8s");
    w.state = volume.mountpoint.join("state.json");
    setup_in_volume(&w, &volume);
    // The volume as the kubelet leaves it for fsGroup 65532 (root:65532, group-writable,
    // setgid), with the state moved where the manifest keeps it: a directory ddns would create
    // private, because it refuses one others can write (issue 22).
    let env_state = c["env"].as_array().unwrap()[0]["value"].as_str().unwrap();
    let own = env_state.strip_prefix("/data/").unwrap();
    assert_eq!(own, "ddns/state.json");
    let own_dir = volume.mountpoint.join("ddns");
    std::fs::create_dir(&own_dir).unwrap();
    std::os::unix::fs::chown(&own_dir, Some(65532), Some(65532)).unwrap();
    std::fs::set_permissions(&own_dir, std::fs::Permissions::from_mode(0o2700)).unwrap();
    std::fs::rename(&w.state, volume.mountpoint.join(own)).unwrap();
    w.state = volume.mountpoint.join(own);
    std::os::unix::fs::chown(&volume.mountpoint, Some(0), Some(65532)).unwrap();
    std::fs::set_permissions(&volume.mountpoint, std::fs::Permissions::from_mode(0o2775)).unwrap();

    let mut args: Vec<String> = ["run", "--rm"].map(String::from).to_vec();
    args.extend(machine_flags());
    args.extend(fake_world_flags(&w));
    let sc = &pod["securityContext"];
    args.extend([
        "--user".into(),
        format!("{}:{}", sc["runAsUser"], sc["runAsGroup"]),
    ]);
    let csc = &c["securityContext"];
    if csc["readOnlyRootFilesystem"] == true {
        args.push("--read-only".into());
    }
    if csc["allowPrivilegeEscalation"] == false {
        args.extend(["--security-opt".into(), "no-new-privileges".into()]);
    }
    for cap in strings(&csc["capabilities"]["drop"]) {
        args.extend(["--cap-drop".into(), cap]);
    }
    for e in c["env"].as_array().unwrap() {
        args.extend([
            "-e".into(),
            format!(
                "{}={}",
                e["name"].as_str().unwrap(),
                e["value"].as_str().unwrap()
            ),
        ]);
    }
    let mount = c["volumeMounts"][0]["mountPath"].as_str().unwrap();
    args.extend(["-v".into(), format!("{}:{mount}", volume.name)]);
    args.push(c["image"].as_str().unwrap().into());
    args.extend(strings(&c["args"]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let u = podman(&args);
    assert_published(&w, &u);
    w.expect_all(&SETUP);
    w.expect_all(&[(Route::Echo, 1), (Route::Apply, 1)]);
    w.assert_strict();
}
