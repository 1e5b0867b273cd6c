//! The SFTP password at rest: RSA-OAEP (SHA-512) with the server's public key, base64, in
//! `.env` as BACKUP_SFTP_PASSWORD_ENC; decrypted with the private key only when used.

use std::path::Path;

use base64::Engine;

use super::format::{Opener, Sealer};
use super::BackupError;
use crate::fsutil::write_atomic;

/// A marker so a token is recognisable (and a plain password pasted by mistake is not).
const TOKEN_PREFIX: &str = "rsa-oaep-sha512:";

pub fn encrypt(sealer: &Sealer, password: &str) -> Result<String, BackupError> {
    if password.is_empty() || password.len() > 256 {
        return Err(BackupError::Config("the password must be 1 to 256 bytes".into()));
    }
    let wrapped = sealer.wrap(password.as_bytes()).map_err(|source| BackupError::Format {
        path: "BACKUP_SFTP_PASSWORD_ENC".into(),
        source,
    })?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(wrapped)
    ))
}

pub fn decrypt(opener: &Opener, token: &str) -> Result<String, BackupError> {
    let bad = |why: &str| BackupError::Config(format!("BACKUP_SFTP_PASSWORD_ENC is not a valid token: {why}"));
    let b64 = token
        .trim()
        .strip_prefix(TOKEN_PREFIX)
        .ok_or_else(|| bad("it lacks the rsa-oaep-sha512: prefix"))?;
    let wrapped = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| bad("not base64"))?;
    let plain = opener
        .unwrap(&wrapped)
        .map_err(|_| bad("it does not decrypt with this server's private key"))?;
    String::from_utf8(plain).map_err(|_| bad("not UTF-8"))
}

/// Sets `key=value` in a `.env` file in place: the line that sets it is replaced (or one is
/// appended); comments, order and every other line stay as they are. Written atomically.
pub fn set_env_key(env: &Path, key: &str, value: &str) -> Result<(), BackupError> {
    let text = std::fs::read_to_string(env).map_err(|e| BackupError::Io {
        path: env.display().to_string(),
        source: e,
    })?;
    let mut out = String::with_capacity(text.len() + value.len() + 40);
    let mut replaced = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let body = body.strip_prefix("export ").unwrap_or(body).trim_start();
        let sets = body
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if sets && !replaced {
            out.push_str(&format!("{key}={value}\n"));
            replaced = true;
        } else if !sets {
            out.push_str(line);
        }
    }
    if !replaced {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("{key}={value}\n"));
    }
    let secret = std::fs::metadata(env).map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o077 == 0
    });
    write_atomic(env, out.as_bytes(), secret.unwrap_or(false)).map_err(|e| BackupError::Io {
        path: env.display().to_string(),
        source: e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_env_file_keeps_comments_order_and_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join(".env");
        std::fs::write(
            &env,
            "# top\nA=1\n# the password\nBACKUP_SFTP_PASSWORD_ENC=old\nB=2 # tail\n",
        )
        .unwrap();
        set_env_key(&env, "BACKUP_SFTP_PASSWORD_ENC", "rsa-oaep-sha512:xyz").unwrap();
        assert_eq!(
            std::fs::read_to_string(&env).unwrap(),
            "# top\nA=1\n# the password\nBACKUP_SFTP_PASSWORD_ENC=rsa-oaep-sha512:xyz\nB=2 # tail\n"
        );
        std::fs::write(&env, "A=1").unwrap();
        set_env_key(&env, "BACKUP_SFTP_PASSWORD_ENC", "t").unwrap();
        assert_eq!(
            std::fs::read_to_string(&env).unwrap(),
            "A=1\nBACKUP_SFTP_PASSWORD_ENC=t\n"
        );
    }

    #[test]
    fn tokens_round_trip_and_refuse_other_keys() {
        let (private, public) = crate::keys::generate(2048).unwrap();
        let sealer = Sealer::from_public_pem(&public).unwrap();
        let token = encrypt(&sealer, "s3cret pass").unwrap();
        assert!(!token.contains("s3cret"));
        let opener = Opener::from_private_pem(&private, &public).unwrap();
        assert_eq!(decrypt(&opener, &token).unwrap(), "s3cret pass");
        let (p2, q2) = crate::keys::generate(2048).unwrap();
        let other = Opener::from_private_pem(&p2, &q2).unwrap();
        assert!(decrypt(&other, &token).is_err());
        assert!(decrypt(&opener, "s3cret pass").is_err());
    }
}
