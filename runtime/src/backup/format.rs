//! The encrypted backup file: a versioned header, then the archive in AES-256-GCM chunks.
//!
//! ```text
//! magic "AIBRBAK\0" | version u8 | key id [32] (SHA-256 of the public key's SPKI DER)
//! | wrapped len u16 | wrapped key (RSA-OAEP-SHA512 of AES key [32] || nonce prefix [7])
//! | chunk size u32 | chunk 0 | chunk 1 | ... | final chunk
//! ```
//! Each chunk is `ciphertext || tag` of up to `chunk size` plaintext bytes. Its nonce is the
//! prefix, the chunk's index (u32) and a final-chunk flag, and its AAD is the SHA-256 of the
//! header: chunks cannot be reordered, dropped, truncated or moved to another header unnoticed.

use std::io::{self, Read, Write};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::digest;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::{
    OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
    OAEP_SHA512_MGF1SHA512,
};

pub const MAGIC: &[u8; 8] = b"AIBRBAK\0";
pub const VERSION: u8 = 1;
pub const CHUNK_SIZE: usize = 64 * 1024;
const TAG: usize = 16;
const PREFIX: usize = 7;

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("not an ai-bridge backup (bad magic)")]
    Magic,
    #[error("backup format version {0} is not supported (this build reads version {VERSION})")]
    Version(u8),
    #[error("the backup was made for another key (key id {found}, this server's key is {expected})")]
    KeyId { found: String, expected: String },
    #[error("the wrapped key cannot be decrypted with this private key (wrong key, or the header is damaged)")]
    Unwrap,
    #[error("the header is damaged: {0}")]
    Header(String),
    #[error("chunk {0} failed authentication: the archive was modified, reordered or damaged")]
    Chunk(u64),
    #[error("the archive is truncated: its final chunk is missing or damaged")]
    Truncated,
    #[error("{0}")]
    Key(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<FormatError> for io::Error {
    fn from(e: FormatError) -> Self {
        match e {
            FormatError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

fn der_from_pem(pem: &str) -> Result<Vec<u8>, FormatError> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| FormatError::Key(format!("not a PEM key: {e}")))
}

/// The public half: makes backups.
pub struct Sealer {
    key: OaepPublicEncryptingKey,
    key_id: [u8; 32],
}

/// The private half: reads them.
pub struct Opener {
    key: OaepPrivateDecryptingKey,
    key_id: [u8; 32],
}

fn key_id(spki_der: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, spki_der);
    let mut id = [0u8; 32];
    id.copy_from_slice(d.as_ref());
    id
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sealer {
    pub fn from_public_pem(pem: &str) -> Result<Sealer, FormatError> {
        let der = der_from_pem(pem)?;
        let public = PublicEncryptingKey::from_der(&der).map_err(|e| FormatError::Key(format!("public key: {e}")))?;
        Ok(Sealer {
            key: OaepPublicEncryptingKey::new(public)
                .map_err(|_| FormatError::Key("public key: unusable for OAEP".into()))?,
            key_id: key_id(&der),
        })
    }

    /// RSA-OAEP-SHA512 of a short secret (the archive key, or an SFTP password).
    pub fn wrap(&self, secret: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut out = vec![0u8; self.key.ciphertext_size()];
        let n = self
            .key
            .encrypt(&OAEP_SHA512_MGF1SHA512, secret, &mut out, None)
            .map_err(|_| FormatError::Key("RSA-OAEP encryption failed (secret too long for the key?)".into()))?
            .len();
        out.truncate(n);
        Ok(out)
    }
}

impl Opener {
    pub fn from_private_pem(private_pem: &str, public_pem: &str) -> Result<Opener, FormatError> {
        let der = der_from_pem(private_pem)?;
        let private =
            PrivateDecryptingKey::from_pkcs8(&der).map_err(|e| FormatError::Key(format!("private key: {e}")))?;
        Ok(Opener {
            key: OaepPrivateDecryptingKey::new(private)
                .map_err(|_| FormatError::Key("private key: unusable for OAEP".into()))?,
            key_id: key_id(&der_from_pem(public_pem)?),
        })
    }

    pub fn unwrap(&self, wrapped: &[u8]) -> Result<Vec<u8>, FormatError> {
        let mut out = vec![0u8; self.key.min_output_size()];
        let n = self
            .key
            .decrypt(&OAEP_SHA512_MGF1SHA512, wrapped, &mut out, None)
            .map_err(|_| FormatError::Unwrap)?
            .len();
        out.truncate(n);
        Ok(out)
    }
}

fn nonce(prefix: &[u8; PREFIX], index: u64, last: bool) -> Result<Nonce, FormatError> {
    let index = u32::try_from(index).map_err(|_| FormatError::Header("more than 2^32 chunks".into()))?;
    let mut n = [0u8; 12];
    n[..PREFIX].copy_from_slice(prefix);
    n[PREFIX..PREFIX + 4].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Ok(Nonce::assume_unique_for_key(n))
}

/// Encrypts everything written to it; `finish` writes the final chunk.
pub struct ChunkWriter<W: Write> {
    inner: W,
    key: LessSafeKey,
    prefix: [u8; PREFIX],
    aad: [u8; 32],
    buf: Vec<u8>,
    index: u64,
}

impl<W: Write> ChunkWriter<W> {
    /// Writes the header to `inner` and returns the writer for the archive bytes.
    pub fn new(mut inner: W, sealer: &Sealer) -> Result<Self, FormatError> {
        let rng = SystemRandom::new();
        let mut secret = [0u8; 32 + PREFIX];
        rng.fill(&mut secret)
            .map_err(|_| FormatError::Key("no random source".into()))?;
        let wrapped = sealer.wrap(&secret)?;
        let mut header = Vec::with_capacity(64 + wrapped.len());
        header.extend_from_slice(MAGIC);
        header.push(VERSION);
        header.extend_from_slice(&sealer.key_id);
        header.extend_from_slice(&(wrapped.len() as u16).to_be_bytes());
        header.extend_from_slice(&wrapped);
        header.extend_from_slice(&(CHUNK_SIZE as u32).to_be_bytes());
        inner.write_all(&header)?;
        let key = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &secret[..32]).map_err(|_| FormatError::Key("AES key".into()))?,
        );
        let mut prefix = [0u8; PREFIX];
        prefix.copy_from_slice(&secret[32..]);
        let mut aad = [0u8; 32];
        aad.copy_from_slice(digest::digest(&digest::SHA256, &header).as_ref());
        Ok(ChunkWriter {
            inner,
            key,
            prefix,
            aad,
            buf: Vec::with_capacity(CHUNK_SIZE + TAG),
            index: 0,
        })
    }

    fn seal(&mut self, last: bool) -> Result<(), FormatError> {
        let n = nonce(&self.prefix, self.index, last)?;
        self.key
            .seal_in_place_append_tag(n, Aad::from(self.aad), &mut self.buf)
            .map_err(|_| FormatError::Key("AES-GCM encryption failed".into()))?;
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    /// Writes the final chunk (possibly empty) and returns the inner writer.
    pub fn finish(mut self) -> Result<W, FormatError> {
        self.seal(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for ChunkWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // A full chunk is sealed only once more data follows, so only the last gets the flag.
        if self.buf.len() == CHUNK_SIZE {
            self.seal(false)?;
        }
        let take = (CHUNK_SIZE - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The parsed header.
pub struct Header {
    pub key_id: [u8; 32],
    pub wrapped: Vec<u8>,
    pub chunk_size: usize,
    pub bytes: Vec<u8>,
}

pub fn read_header<R: Read>(r: &mut R) -> Result<Header, FormatError> {
    let mut fixed = [0u8; 8 + 1 + 32 + 2];
    r.read_exact(&mut fixed).map_err(|_| FormatError::Magic)?;
    if &fixed[..8] != MAGIC {
        return Err(FormatError::Magic);
    }
    if fixed[8] != VERSION {
        return Err(FormatError::Version(fixed[8]));
    }
    let mut key_id = [0u8; 32];
    key_id.copy_from_slice(&fixed[9..41]);
    let wrapped_len = u16::from_be_bytes([fixed[41], fixed[42]]) as usize;
    if !(128..=1024).contains(&wrapped_len) {
        return Err(FormatError::Header(format!("wrapped key length {wrapped_len}")));
    }
    let mut wrapped = vec![0u8; wrapped_len];
    r.read_exact(&mut wrapped).map_err(|_| FormatError::Truncated)?;
    let mut cs = [0u8; 4];
    r.read_exact(&mut cs).map_err(|_| FormatError::Truncated)?;
    let chunk_size = u32::from_be_bytes(cs) as usize;
    if chunk_size != CHUNK_SIZE {
        return Err(FormatError::Header(format!("chunk size {chunk_size}")));
    }
    let mut bytes = fixed.to_vec();
    bytes.extend_from_slice(&wrapped);
    bytes.extend_from_slice(&cs);
    Ok(Header {
        key_id,
        wrapped,
        chunk_size,
        bytes,
    })
}

/// Decrypts and authenticates the chunks; a read error names what failed.
pub struct ChunkReader<R: Read> {
    inner: R,
    key: LessSafeKey,
    prefix: [u8; PREFIX],
    aad: [u8; 32],
    chunk_size: usize,
    /// The next sealed chunk, read ahead to know whether the current one is the last.
    ahead: Vec<u8>,
    plain: Vec<u8>,
    pos: usize,
    index: u64,
    done: bool,
}

fn fill<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
    buf.clear();
    buf.resize(want, 0);
    let mut got = 0;
    while got < want {
        match r.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    buf.truncate(got);
    Ok(())
}

impl<R: Read> ChunkReader<R> {
    pub fn new(mut inner: R, opener: &Opener) -> Result<Self, FormatError> {
        let header = read_header(&mut inner)?;
        if header.key_id != opener.key_id {
            return Err(FormatError::KeyId {
                found: hex(&header.key_id[..8]),
                expected: hex(&opener.key_id[..8]),
            });
        }
        let secret = opener.unwrap(&header.wrapped)?;
        if secret.len() != 32 + PREFIX {
            return Err(FormatError::Unwrap);
        }
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &secret[..32]).map_err(|_| FormatError::Unwrap)?);
        let mut prefix = [0u8; PREFIX];
        prefix.copy_from_slice(&secret[32..]);
        let mut aad = [0u8; 32];
        aad.copy_from_slice(digest::digest(&digest::SHA256, &header.bytes).as_ref());
        let mut ahead = Vec::new();
        fill(&mut inner, &mut ahead, header.chunk_size + TAG)?;
        Ok(ChunkReader {
            inner,
            key,
            prefix,
            aad,
            chunk_size: header.chunk_size,
            ahead,
            plain: Vec::new(),
            pos: 0,
            index: 0,
            done: false,
        })
    }

    fn next_chunk(&mut self) -> Result<(), FormatError> {
        let mut sealed = std::mem::take(&mut self.ahead);
        if sealed.len() < TAG {
            return Err(FormatError::Truncated);
        }
        let full = self.chunk_size + TAG;
        let last = if sealed.len() < full {
            true
        } else {
            fill(&mut self.inner, &mut self.ahead, full)?;
            self.ahead.is_empty()
        };
        let n = nonce(&self.prefix, self.index, last)?;
        let sealed_len = sealed.len();
        let plain_len = match self.key.open_in_place(n, Aad::from(self.aad), &mut sealed) {
            Ok(p) => p.len(),
            // A full-size chunk at the end that is not a valid final chunk: the file was cut.
            Err(_) if last && sealed_len == full => return Err(FormatError::Truncated),
            Err(_) => return Err(FormatError::Chunk(self.index)),
        };
        sealed.truncate(plain_len);
        self.plain = sealed;
        self.pos = 0;
        self.index += 1;
        self.done = last;
        Ok(())
    }
}

impl<R: Read> Read for ChunkReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// SHA-512 of everything passing through, for the `.sha512` sidecar.
pub struct Sha512Tee<T> {
    pub inner: T,
    ctx: digest::Context,
    pub bytes: u64,
}

impl<T> Sha512Tee<T> {
    pub fn new(inner: T) -> Self {
        Sha512Tee {
            inner,
            ctx: digest::Context::new(&digest::SHA512),
            bytes: 0,
        }
    }

    pub fn hex(self) -> (T, String, u64) {
        (self.inner, hex(self.ctx.finish().as_ref()), self.bytes)
    }
}

impl<W: Write> Write for Sha512Tee<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.ctx.update(&data[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Sha512Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.ctx.update(&out[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (Sealer, Opener) {
        let (private, public) = crate::keys::generate(2048).unwrap();
        (
            Sealer::from_public_pem(&public).unwrap(),
            Opener::from_private_pem(&private, &public).unwrap(),
        )
    }

    fn seal(sealer: &Sealer, data: &[u8]) -> Vec<u8> {
        let mut w = ChunkWriter::new(Vec::new(), sealer).unwrap();
        // Odd write sizes cross chunk boundaries.
        for part in data.chunks(7_777) {
            w.write_all(part).unwrap();
        }
        w.finish().unwrap()
    }

    fn open(opener: &Opener, sealed: &[u8]) -> Result<Vec<u8>, io::Error> {
        let mut r = ChunkReader::new(sealed, opener).map_err(io::Error::from)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trips_at_every_size_around_chunk_boundaries() {
        let (s, o) = keys();
        for len in [
            0,
            1,
            CHUNK_SIZE - 1,
            CHUNK_SIZE,
            CHUNK_SIZE + 1,
            3 * CHUNK_SIZE,
            3 * CHUNK_SIZE + 5,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            assert_eq!(open(&o, &seal(&s, &data)).unwrap(), data, "{len}");
        }
    }

    #[test]
    fn any_change_reorder_drop_or_cut_is_detected() {
        let (s, o) = keys();
        let data: Vec<u8> = (0..3 * CHUNK_SIZE + 100).map(|i| (i % 13) as u8).collect();
        let sealed = seal(&s, &data);
        let header_len = 8 + 1 + 32 + 2 + 256 + 4;
        let full = CHUNK_SIZE + TAG;
        let chunk = |i: usize| header_len + i * full;
        // Every region: magic, version, key id, wrapped key, chunk size, chunk body, tag, last chunk.
        for at in [
            0,
            8,
            9,
            45,
            200,
            header_len - 1,
            chunk(0) + 5,
            chunk(1) - 1,
            chunk(2) + 10,
            sealed.len() - 1,
        ] {
            let mut bad = sealed.clone();
            bad[at] ^= 0x01;
            assert!(open(&o, &bad).is_err(), "flipped byte {at}");
        }
        let mut swapped = sealed[..chunk(0)].to_vec();
        swapped.extend_from_slice(&sealed[chunk(1)..chunk(2)]);
        swapped.extend_from_slice(&sealed[chunk(0)..chunk(1)]);
        swapped.extend_from_slice(&sealed[chunk(2)..]);
        assert!(open(&o, &swapped).is_err(), "swapped chunks");
        let mut dropped = sealed[..chunk(1)].to_vec();
        dropped.extend_from_slice(&sealed[chunk(2)..]);
        assert!(open(&o, &dropped).is_err(), "dropped chunk");
        for cut in [chunk(1), chunk(3), sealed.len() - 1, header_len + 3] {
            assert!(open(&o, &sealed[..cut]).is_err(), "truncated at {cut}");
        }
        let (_, other) = keys();
        let e = open(&other, &sealed).unwrap_err();
        assert!(e.to_string().contains("another key"), "{e}");
    }
}
