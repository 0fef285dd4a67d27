//! Who may connect, and who the server is: the authorized public keys (OpenSSH's
//! `authorized_keys` format, read again at every login so a key added or removed counts at
//! once) and the server's own host key (made on first run, mode 0600, its SHA256 fingerprint
//! printed so viewers can check it).

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rand::RngCore;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey};

use crate::text::clean_path;

/// The default host key: `$XDG_DATA_HOME/votewatch/ssh_host_ed25519_key` (or
/// `~/.local/share/votewatch/…`).
pub fn default_host_key() -> Result<PathBuf> {
    let data = match std::env::var_os("XDG_DATA_HOME").filter(|v| Path::new(v).is_absolute()) {
        Some(d) => PathBuf::from(d),
        None => home()?.join(".local").join("share"),
    };
    Ok(data.join("votewatch").join("ssh_host_ed25519_key"))
}

/// The default authorized keys: the running user's `~/.ssh/authorized_keys`.
pub fn default_authorized_keys() -> Result<PathBuf> {
    Ok(home()?.join(".ssh").join("authorized_keys"))
}

fn home() -> Result<PathBuf> {
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => Ok(PathBuf::from(h)),
        None => bail!("HOME is not set: name the files with --host-key and --authorized-keys"),
    }
}

/// The host key at `path`, made (ed25519, mode 0600, its folder 0700) if there is none yet.
/// A key others may read is refused, as OpenSSH refuses it.
pub fn host_key(path: &Path) -> Result<PrivateKey> {
    let shown = clean_path(path);
    match std::fs::metadata(path) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                bail!("{shown}: the host key may be read by others (mode {mode:03o}); chmod 600 it");
            }
            PrivateKey::read_openssh_file(path).with_context(|| format!("{shown}: not an OpenSSH private key"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = new_host_key();
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .with_context(|| format!("{}: cannot create the folder for the host key", clean_path(dir)))?;
            }
            let text = key.to_openssh(LineEnding::LF).context("cannot encode the new host key")?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("{shown}: cannot create the host key"))?;
            file.write_all(text.as_bytes()).with_context(|| format!("{shown}: cannot write the host key"))?;
            crate::text::warn(&format!("made a new host key at {shown}"));
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("{shown}: cannot read the host key")),
    }
}

/// A new ed25519 key from the operating system's randomness (through a CSPRNG it seeds).
fn new_host_key() -> PrivateKey {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    PrivateKey::from(Ed25519Keypair::from_seed(&seed))
}

/// A key's SHA256 fingerprint as OpenSSH prints it (`SHA256:…`).
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// How the key types OpenSSH writes begin (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`,
/// `sk-ssh-ed25519@openssh.com`, …).
const KEY_TYPES: [&str; 3] = ["ssh-", "ecdsa-", "sk-"];

/// The keys of an `authorized_keys` file. A line that is not a key, or that carries options
/// (`from=`, `command=`, …, which this server could not honour), is skipped with a warning.
#[derive(Debug, Clone)]
pub struct AuthorizedKeys {
    pub keys: Vec<PublicKey>,
    pub warnings: Vec<String>,
}

impl AuthorizedKeys {
    pub fn read(path: &Path) -> Result<AuthorizedKeys> {
        let shown = clean_path(path);
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{shown}: cannot read the authorized keys"))?;
        Ok(Self::parse(&shown, &text))
    }

    pub fn parse(shown: &str, text: &str) -> AuthorizedKeys {
        let mut keys = Vec::new();
        let mut warnings = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let is_key_type = |word: &str| KEY_TYPES.iter().any(|t| word.starts_with(t));
            if !is_key_type(line) {
                // Options come first (`from="…",no-pty ssh-ed25519 AAAA…`), or it is no key.
                let has_key = line.split_whitespace().skip(1).any(is_key_type);
                warnings.push(if has_key {
                    format!(
                        "{shown}:{}: a key with options is skipped: votewatch serve cannot honour them (from=, command=, …)",
                        n + 1
                    )
                } else {
                    format!("{shown}:{}: not a public key; skipped", n + 1)
                });
                continue;
            }
            match PublicKey::from_openssh(line) {
                Ok(key) => keys.push(key),
                Err(e) => warnings.push(format!("{shown}:{}: not a public key ({e}); skipped", n + 1)),
            }
        }
        AuthorizedKeys { keys, warnings }
    }

    pub fn allows(&self, key: &PublicKey) -> bool {
        self.keys.iter().any(|k| k.key_data() == key.key_data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_host_key_is_private_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deeper").join("host");
        let made = host_key(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = host_key(&path).unwrap();
        assert_eq!(fingerprint(made.public_key()), fingerprint(again.public_key()));
        assert!(fingerprint(made.public_key()).starts_with("SHA256:"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = host_key(&path).unwrap_err().to_string();
        assert!(err.contains("may be read by others (mode 644)"), "{err}");
    }

    #[test]
    fn authorized_keys_skip_options_and_garbage_and_match_by_key() {
        let a = new_host_key();
        let b = new_host_key();
        let text = format!(
            "# a comment\n{}\nfrom=\"10.0.0.1\" {}\nnot a key at all\n",
            a.public_key().to_openssh().unwrap(),
            b.public_key().to_openssh().unwrap()
        );
        let keys = AuthorizedKeys::parse("keys", &text);
        assert!(keys.allows(a.public_key()));
        assert!(!keys.allows(b.public_key()), "a key with options is not let in");
        assert_eq!(keys.warnings.len(), 2, "{:?}", keys.warnings);
        assert!(keys.warnings[0].starts_with("keys:3: a key with options"), "{:?}", keys.warnings);
        assert!(keys.warnings[1].starts_with("keys:4: not a public key"), "{:?}", keys.warnings);
        let broken = AuthorizedKeys::parse("keys", "ssh-ed25519 AAAAnot-base64\n");
        assert!(broken.keys.is_empty() && broken.warnings[0].starts_with("keys:1: not a public key ("), "{broken:?}");
    }
}
