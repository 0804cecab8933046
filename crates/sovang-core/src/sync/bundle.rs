//! The bundle file (`*.sovang`): a zip of `manifest.json`, its detached Ed25519 signature
//! `manifest.sig`, the records as NDJSON per kind, and attachments by content hash. See
//! `docs/bundle-format.md`. Reading checks everything before any record is kept: the zip's
//! shape and limits, the signature by a trusted key (before anything else is read), then
//! every entry's hash (first, or on a second thread beside an import that waits for it).

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use super::identity::{fingerprint, TrustedKey};
use crate::error::{Code, Error, Result};

pub const FORMAT: &str = "sovang-bundle";
/// The newest format this app reads and writes. Version 2 added the committee review's kinds;
/// version 3 bound fingerprints to units (an app before it trusts none of a version-3 bundle's
/// keys, so it must say "update the app" rather than "untrusted"); version 4 added erasure
/// markers. A bundle is written as version 4 only when it carries erasures (an older app must
/// say "update the app" rather than refuse an entry it does not know, or worse, keep data its
/// owner erased), else as version 3, which every app since fingerprints were bound reads.
/// Bundles of versions 1 and 2 name their key by its old fingerprint, of the key alone, and
/// their seals name no unit: both are still read.
pub const FORMAT_VERSION: u32 = 4;
/// The format of a bundle that carries no erasure.
pub const WITHOUT_ERASURES: u32 = 3;
/// The last format whose fingerprints covered the key alone.
pub const KEY_ONLY_FINGERPRINTS: u64 = 2;
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";

/// Limits a reader enforces, counting the bytes it actually inflates.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: u64,
    pub max_total_bytes: u64,
    pub max_manifest_bytes: u64,
    pub max_line_bytes: usize,
    /// Inflated / compressed, checked once an entry has inflated past `ratio_floor` bytes
    /// (tiny entries compress oddly without harm).
    pub max_ratio: u64,
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 200_000,
            max_total_bytes: 16 << 30,
            // The manifest is read whole before its signature holds (only a small typed head
            // of it is parsed then), so anyone's file gets this much memory. It lists each
            // entry in ~215 bytes (a pretty-printed attachment's name, size and hash), so
            // 4 MiB lists ~19,500 entries: more than the 16,384 photos of 1 MiB that fill
            // `max_total_bytes`, fewer than `max_entries` allows (200,000 × 215 B = 43 MB).
            // A bundle of more than ~19,500 small attachments is refused: it must go in parts.
            max_manifest_bytes: 4 << 20,
            max_line_bytes: 4 << 20,
            max_ratio: 100,
            ratio_floor: 1 << 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub unit: String,
    pub unit_name: String,
    pub installation: String,
    pub fingerprint: String,
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryHash {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeqRange {
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub bundle_id: String,
    pub created_at: String,
    pub origin: Origin,
    pub destination: Option<String>,
    pub full: bool,
    pub sequence: SeqRange,
    /// Records per kind (`attachment` included).
    pub counts: BTreeMap<String, u64>,
    pub entries: Vec<EntryHash>,
    /// What the origin has received from the bundle's recipients: for each of their keys,
    /// the change number up to which their bundles all arrived. A sender whose changes were
    /// not all acknowledged sends them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acks: Vec<Ack>,
    /// The installations (key fingerprints) the bundle was made for, if it was made for some:
    /// another installation refuses it (a member must not read another member's bundle).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

/// Every change of `origin` (a key fingerprint) numbered up to `upto` has arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub origin: String,
    pub upto: i64,
}

/// What is read of the manifest before its signature holds: only what finds the key and
/// tells an older app to update. Typed, so that the rest of the document (anyone's, until
/// then) is skipped as it is scanned, never built into memory.
#[derive(Deserialize)]
struct Head {
    format: String,
    format_version: u64,
    origin: HeadOrigin,
}

#[derive(Deserialize)]
struct HeadOrigin {
    fingerprint: String,
}

impl Manifest {
    pub fn total_records(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// The NDJSON entry of a kind's records.
pub fn records_entry(kind: &str) -> String {
    format!("records/{kind}.ndjson")
}

pub fn attachment_entry(sha256: &str) -> String {
    format!("attachments/{sha256}")
}

pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Names a bundle may hold; anything else is refused by name.
fn allowed_name(name: &str) -> bool {
    if name == MANIFEST || name == SIGNATURE {
        return true;
    }
    if let Some(kind) = name
        .strip_prefix("records/")
        .and_then(|n| n.strip_suffix(".ndjson"))
    {
        return super::RECORD_KINDS.contains(&kind);
    }
    name.strip_prefix("attachments/").is_some_and(is_hex64)
}

fn unsafe_name(name: &str) -> bool {
    name.is_empty()
        || name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\\')
        || name.contains('\0')
        || name.split('/').any(|p| p == ".." || p == ".")
        || name.as_bytes().get(1) == Some(&b':')
}

/// Writes sha256 and size of what passes through.
pub(crate) struct HashingWriter<W: Write> {
    pub inner: W,
    pub hasher: Sha256,
    pub size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The declared entry count from the end-of-central-directory record (zip64 included),
/// read before the archive is parsed so that a huge directory is refused unread.
fn declared_entries(file: &mut File, len: u64) -> Result<Option<u64>> {
    let tail = len.min(65_557);
    file.seek(SeekFrom::Start(len - tail))?;
    let mut buf = vec![0u8; tail as usize];
    file.read_exact(&mut buf)?;
    let Some(pos) = (0..buf.len().saturating_sub(21))
        .rev()
        .find(|&i| buf[i..].starts_with(b"PK\x05\x06"))
    else {
        return Ok(None);
    };
    let count = u16::from_le_bytes([buf[pos + 10], buf[pos + 11]]) as u64;
    if count != 0xFFFF || pos < 20 || !buf[pos - 20..].starts_with(b"PK\x06\x07") {
        return Ok(Some(count));
    }
    // Zip64: the locator points at the zip64 end record, which holds the real count.
    let at = u64::from_le_bytes(buf[pos - 12..pos - 4].try_into().unwrap_or_default());
    let mut rec = [0u8; 40];
    file.seek(SeekFrom::Start(at))?;
    if file.read_exact(&mut rec).is_err() || !rec.starts_with(b"PK\x06\x06") {
        return Ok(None);
    }
    Ok(Some(u64::from_le_bytes(
        rec[32..40].try_into().unwrap_or_default(),
    )))
}

/// Counts inflated bytes against the limits while hashing them.
struct Guarded<R: Read> {
    inner: R,
    name: String,
    read: u64,
    /// The size the manifest lists: an entry that inflates past it is not the signed one.
    listed: u64,
    compressed: u64,
    limits: Limits,
    total: u64,
    hasher: Sha256,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.total += n as u64;
        self.hasher.update(&buf[..n]);
        let l = &self.limits;
        let err = |code, arg: &str| io::Error::other(Error::plain(code, arg));
        if self.read > self.listed {
            return Err(err(Code::BundleHash, &self.name));
        }
        if self.total > l.max_total_bytes {
            return Err(err(
                Code::BundleTooLarge,
                &format!("{} MB", l.max_total_bytes >> 20),
            ));
        }
        if self.read > l.ratio_floor && self.read > self.compressed.max(1) * l.max_ratio {
            return Err(err(Code::BundleRatio, &self.name));
        }
        Ok(n)
    }
}

/// An `io::Error` that carries one of ours back out.
pub(crate) fn from_io(e: io::Error, name: &str) -> Error {
    match e.downcast::<Error>() {
        Ok(ours) => ours,
        // The zip's own CRC: the content changed.
        Err(e) if e.to_string().to_lowercase().contains("checksum") => {
            Error::plain(Code::BundleHash, name)
        }
        // Anything else while inflating an entry: the file is damaged or cut short.
        Err(_) => Error::plain(Code::BundleTruncated, name),
    }
}

/// A bundle whose signature and hashes were checked; its records can be read.
pub struct Bundle {
    archive: ZipArchive<File>,
    pub manifest: Manifest,
    pub signer: TrustedKey,
    limits: Limits,
    file_label: String,
}

/// Looks up a signer by fingerprint (trusted, revoked, or unknown: `None`).
pub type TrustLookup<'a> = &'a dyn Fn(&str) -> Result<Option<TrustedKey>>;

impl Bundle {
    /// Opens and verifies a bundle: nothing in it but its manifest is read before the signer
    /// is known and trusted and the signature holds.
    pub fn open(path: &Path, trust: TrustLookup, limits: Limits) -> Result<Bundle> {
        let mut bundle = Bundle::open_signed(path, trust, limits)?;
        check_hashes(&mut bundle.archive, &bundle.manifest.entries, limits)?;
        Ok(bundle)
    }

    /// Like `open`, for a caller that reads every record entry through `lines` to its end
    /// (which checks its hash): the other entries' hashes are checked on a second thread
    /// meanwhile, and `HashCheck::wait` must pass before anything read is kept. An import uses
    /// it so that checking adds neither time nor a second pass over the records.
    pub fn open_checking(
        path: &Path,
        trust: TrustLookup,
        limits: Limits,
    ) -> Result<(Bundle, HashCheck)> {
        let bundle = Bundle::open_signed(path, trust, limits)?;
        let entries: Vec<EntryHash> = bundle
            .manifest
            .entries
            .iter()
            .filter(|e| !e.name.starts_with("records/"))
            .cloned()
            .collect();
        let (path, label) = (path.to_owned(), bundle.file_label.clone());
        let failed = Arc::new(AtomicBool::new(false));
        let flag = failed.clone();
        let handle = std::thread::spawn(move || {
            let result = File::open(&path)
                .map_err(|e| Error::io(Some("file"), &label, &e))
                .and_then(|f| {
                    ZipArchive::new(f).map_err(|_| Error::plain(Code::BundleTruncated, &label))
                })
                .and_then(|mut archive| check_hashes(&mut archive, &entries, limits));
            flag.store(result.is_err(), Ordering::Relaxed);
            result
        });
        Ok((bundle, HashCheck { handle, failed }))
    }

    /// Opens a bundle and checks all but its entries' hashes: the zip's shape and limits,
    /// the names, the signature by a trusted key, and that the manifest lists every entry.
    fn open_signed(path: &Path, trust: TrustLookup, limits: Limits) -> Result<Bundle> {
        let label = path.display().to_string();
        let mut file = File::open(path).map_err(|e| Error::io(Some("file"), &label, &e))?;
        let len = file.metadata()?.len();
        let mut magic = [0u8; 4];
        let n = file.read(&mut magic)?;
        if n < 4 || !(magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06") {
            return Err(Error::plain(Code::BundleNotZip, &label));
        }
        let declared = declared_entries(&mut file, len)?
            .ok_or_else(|| Error::plain(Code::BundleTruncated, &label))?;
        if declared > limits.max_entries {
            return Err(Error::plain(
                Code::BundleTooManyEntries,
                &declared.to_string(),
            ));
        }
        file.seek(SeekFrom::Start(0))?;
        let mut archive =
            ZipArchive::new(file).map_err(|_| Error::plain(Code::BundleTruncated, &label))?;
        if archive.has_duplicate_names() || archive.len() as u64 != declared {
            let name = duplicate_name(&archive).unwrap_or_default();
            return Err(Error::plain(Code::BundleDuplicateEntry, &name));
        }
        for i in 0..archive.len() {
            let entry = archive
                .by_index_raw(i)
                .map_err(|_| Error::plain(Code::BundleTruncated, &label))?;
            let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            if unsafe_name(&name) || entry.is_symlink() || entry.is_dir() || !allowed_name(&name) {
                return Err(Error::plain(Code::BundleEntryName, &name));
            }
        }
        let manifest_bytes = read_small(&mut archive, MANIFEST, limits.max_manifest_bytes, limits)?;
        let signature = read_small(&mut archive, SIGNATURE, 64, limits)?;
        let head: Head = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| Error::plain(Code::BundleManifest, &e.to_string()))?;
        if head.format != FORMAT {
            return Err(Error::plain(Code::BundleManifest, "format"));
        }
        if head.format_version > FORMAT_VERSION as u64 {
            let version = head.format_version.to_string();
            return Err(Error::plain(Code::BundleTooNew, &version));
        }
        let fp = head.origin.fingerprint.as_str();
        let signer = trust(fp)?.ok_or_else(|| Error::plain(Code::BundleUntrusted, fp))?;
        if signer.revoked_at.is_some() {
            return Err(Error::plain(Code::BundleRevoked, fp));
        }
        let key_bytes: [u8; 32] = hex::decode(&signer.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::plain(Code::BundleUntrusted, fp))?;
        let key = VerifyingKey::from_bytes(&key_bytes)
            .map_err(|_| Error::plain(Code::BundleUntrusted, fp))?;
        let sig: [u8; 64] = signature
            .try_into()
            .map_err(|_| Error::plain(Code::BundleSignature, SIGNATURE))?;
        key.verify_strict(&manifest_bytes, &Signature::from_bytes(&sig))
            .map_err(|_| Error::plain(Code::BundleSignature, fp))?;
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| Error::plain(Code::BundleManifest, &e.to_string()))?;
        let origin_fp = match head.format_version <= KEY_ONLY_FINGERPRINTS {
            true => super::identity::legacy_fingerprint(&key_bytes),
            false => fingerprint(&key_bytes, &signer.unit),
        };
        if manifest.origin.fingerprint != origin_fp
            || manifest.origin.public_key != signer.public_key
        {
            return Err(Error::plain(Code::BundleManifest, "origin"));
        }
        let bundle = Bundle {
            archive,
            manifest,
            signer,
            limits,
            file_label: label,
        };
        bundle.check_listed()?;
        // Every entry reader stops past its listed size, so the listed sizes bound what the
        // whole bundle can inflate to.
        let listed: u64 = bundle.manifest.entries.iter().map(|e| e.size).sum();
        if listed > limits.max_total_bytes {
            return Err(Error::plain(
                Code::BundleTooLarge,
                &format!("{} MB", limits.max_total_bytes >> 20),
            ));
        }
        Ok(bundle)
    }

    /// Every entry is one the manifest lists, once.
    fn check_listed(&self) -> Result<()> {
        let listed: HashSet<&str> = self
            .manifest
            .entries
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        if listed.len() != self.manifest.entries.len() {
            return Err(Error::plain(Code::BundleManifest, "entries"));
        }
        for name in self.archive.file_names() {
            let name = name.map_err(|_| Error::plain(Code::BundleTruncated, &self.file_label))?;
            if name != MANIFEST && name != SIGNATURE && !listed.contains(name.as_ref()) {
                return Err(Error::plain(Code::BundleEntryName, &name));
            }
        }
        Ok(())
    }

    /// A reader of one listed entry, counted against the limits and hashed as it goes.
    pub fn entry(&mut self, name: &str) -> Result<EntryReader<'_>> {
        let listed = self
            .listed(name)
            .ok_or_else(|| Error::plain(Code::BundleMissingEntry, name))?
            .size;
        open_entry(&mut self.archive, name, listed, self.limits, 0)
    }

    /// Whether the bundle holds records of a kind.
    pub fn has(&self, kind: &str) -> bool {
        self.listed(&records_entry(kind)).is_some()
    }

    /// The listed hash of an entry.
    pub fn listed(&self, name: &str) -> Option<&EntryHash> {
        self.manifest.entries.iter().find(|e| e.name == name)
    }

    /// The records of one kind, line by line; hashed again as they are read (the file could
    /// change between the check and the read), so `RecordLines::finish` must be called.
    pub fn lines(&mut self, kind: &str) -> Result<Option<RecordLines<'_>>> {
        let name = records_entry(kind);
        let Some(expected) = self.listed(&name).cloned() else {
            return Ok(None);
        };
        let max_line = self.limits.max_line_bytes;
        let reader = self.entry(&name)?;
        Ok(Some(RecordLines {
            reader: BufReader::with_capacity(256 * 1024, reader),
            name,
            line_no: 0,
            max_line,
            expected,
            buf: Vec::new(),
        }))
    }
}

/// Every listed entry is present and its bytes hash to the listed value, all of them counted
/// together against the limits.
fn check_hashes(
    archive: &mut ZipArchive<File>,
    entries: &[EntryHash],
    limits: Limits,
) -> Result<()> {
    let mut inflated = 0;
    for e in entries {
        let mut r = open_entry(archive, &e.name, e.size, limits, inflated)?;
        io::copy(&mut r, &mut io::sink()).map_err(|err| from_io(err, &e.name))?;
        let (sha, size) = r.finish();
        inflated += size;
        if sha != e.sha256 || size != e.size {
            return Err(Error::plain(Code::BundleHash, &e.name));
        }
    }
    Ok(())
}

/// The hash check of `Bundle::open_checking`, running on its own thread.
pub struct HashCheck {
    handle: std::thread::JoinHandle<Result<()>>,
    failed: Arc<AtomicBool>,
}

impl HashCheck {
    /// Whether the check has already failed (the caller can stop early).
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Waits for the check's verdict.
    pub fn wait(self) -> Result<()> {
        self.handle
            .join()
            .unwrap_or_else(|_| Err(Error::plain(Code::Storage, "hash check")))
    }
}

/// A reader of one entry, counted against `limits` (on top of `inflated` bytes already read
/// from other entries) and hashed as it goes.
fn open_entry<'a>(
    archive: &'a mut ZipArchive<File>,
    name: &str,
    listed: u64,
    limits: Limits,
    inflated: u64,
) -> Result<EntryReader<'a>> {
    let file = match archive.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(Error::plain(Code::BundleMissingEntry, name))
        }
        Err(_) => return Err(Error::plain(Code::BundleTruncated, name)),
    };
    let compressed = file.compressed_size();
    Ok(EntryReader {
        inner: Guarded {
            inner: file,
            name: name.to_owned(),
            read: 0,
            listed,
            compressed,
            limits,
            total: inflated,
            hasher: Sha256::new(),
        },
    })
}

/// A small entry (the manifest, the signature) whole, refused past `max` bytes.
fn read_small(
    archive: &mut ZipArchive<File>,
    name: &str,
    max: u64,
    limits: Limits,
) -> Result<Vec<u8>> {
    // Not listed (the manifest lists the others): `max` bounds it instead.
    let mut r = open_entry(archive, name, u64::MAX, limits, 0)?;
    let mut out = Vec::new();
    (&mut r)
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| from_io(e, name))?;
    if out.len() as u64 > max {
        let arg = format!("{name} > {max} bytes");
        return Err(Error::plain(Code::BundleManifest, &arg));
    }
    Ok(out)
}

fn duplicate_name(archive: &ZipArchive<File>) -> Option<String> {
    let mut seen = HashSet::new();
    archive
        .file_names_raw()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .find(|n| !seen.insert(n.clone()))
}

pub struct EntryReader<'a> {
    inner: Guarded<zip::read::ZipFile<'a, File>>,
}

impl Read for EntryReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl EntryReader<'_> {
    /// The hash and size of everything read.
    pub fn finish(self) -> (String, u64) {
        (hex::encode(self.inner.hasher.finalize()), self.inner.read)
    }
}

pub struct RecordLines<'a> {
    reader: BufReader<EntryReader<'a>>,
    pub name: String,
    pub line_no: u64,
    max_line: usize,
    expected: EntryHash,
    buf: Vec<u8>,
}

impl RecordLines<'_> {
    /// The next non-empty line, or `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>> {
        loop {
            self.buf.clear();
            let n = (&mut self.reader)
                .take(self.max_line as u64 + 1)
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| from_io(e, &self.name))?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            if self.buf.len() > self.max_line {
                let at = format!("{}:{}: > {} bytes", self.name, self.line_no, self.max_line);
                let e = Error::plain(Code::BundleRecord, &at);
                return Err(self.tampered().unwrap_or(e));
            }
            while self.buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                self.buf.pop();
            }
            if !self.buf.is_empty() {
                return Ok(Some(&self.buf));
            }
        }
    }

    /// The next line as a `T`, or as the error that says where and why it is not one. A line
    /// that is not a record is that line's problem alone: the entry's hash, checked by
    /// `finish`, still decides whether the entry is the one that was signed.
    pub fn next_record<T: serde::de::DeserializeOwned>(
        &mut self,
    ) -> Result<Option<std::result::Result<T, Error>>> {
        let parsed = match self.next_line()? {
            None => return Ok(None),
            Some(line) => serde_json::from_slice::<T>(line),
        };
        Ok(Some(parsed.map_err(|e| {
            Error::plain(Code::RecordUnreadable, &format!("{}: {e}", self.position()))
        })))
    }

    /// After a bad line: a hash error if the entry is not the signed one (that is the real
    /// problem, as if the hashes had been checked first).
    fn tampered(&mut self) -> Option<Error> {
        let drained = io::copy(&mut self.reader, &mut io::sink());
        let guarded = &self.reader.get_ref().inner;
        let sha = hex::encode(guarded.hasher.clone().finalize());
        (drained.is_err() || sha != self.expected.sha256 || guarded.read != self.expected.size)
            .then(|| Error::plain(Code::BundleHash, &self.name))
    }

    /// Where the last line came from, for errors.
    pub fn position(&self) -> String {
        format!("{}:{}", self.name, self.line_no)
    }

    /// Checks the bytes read against the manifest once the entry is read to its end.
    pub fn finish(self) -> Result<()> {
        let mut reader = self.reader.into_inner();
        io::copy(&mut reader, &mut io::sink()).map_err(|e| from_io(e, &self.name))?;
        let (sha, size) = reader.finish();
        if self.expected.sha256 == sha && self.expected.size == size {
            Ok(())
        } else {
            Err(Error::plain(Code::BundleHash, &self.name))
        }
    }
}

/// Writes a bundle from ready entries, signing `manifest` (whose `entries` are filled in here
/// from `entries` unless `keep_listed`). For test corpora and tools; export streams instead.
pub fn write_raw(
    out: &Path,
    key: &ed25519_dalek::SigningKey,
    manifest: &mut Manifest,
    entries: &[(&str, &[u8])],
    keep_listed: bool,
) -> Result<()> {
    use ed25519_dalek::Signer;
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;
    if !keep_listed {
        manifest.entries = entries
            .iter()
            .map(|(name, bytes)| EntryHash {
                name: (*name).to_owned(),
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(bytes)),
            })
            .collect();
    }
    let label = out.display().to_string();
    let io = |e: io::Error| Error::io(None, &label, &e);
    let zerr = |e: zip::result::ZipError| Error::plain(Code::Io, &e.to_string());
    let mut zip = zip::ZipWriter::new(File::create(out).map_err(io)?);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, deflated).map_err(zerr)?;
        zip.write_all(bytes).map_err(io)?;
    }
    let bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file(MANIFEST, stored).map_err(zerr)?;
    zip.write_all(&bytes).map_err(io)?;
    zip.start_file(SIGNATURE, stored).map_err(zerr)?;
    zip.write_all(&key.sign(&bytes).to_bytes()).map_err(io)?;
    zip.finish().map_err(zerr)?;
    Ok(())
}

/// A manifest for `write_raw`, from a key and its unit.
pub fn raw_manifest(key: &ed25519_dalek::SigningKey, unit: &str, unit_name: &str) -> Manifest {
    let public = key.verifying_key();
    Manifest {
        format: FORMAT.into(),
        format_version: WITHOUT_ERASURES,
        bundle_id: "01900000-0000-7000-8000-000000000001".into(),
        created_at: "2026-11-26T08:00:00.000Z".into(),
        origin: Origin {
            unit: unit.into(),
            unit_name: unit_name.into(),
            installation: "01900000-0000-7000-8000-0000000000aa".into(),
            fingerprint: fingerprint(public.as_bytes(), unit),
            public_key: hex::encode(public.as_bytes()),
        },
        destination: None,
        full: true,
        sequence: SeqRange { from: 1, to: 1 },
        counts: BTreeMap::new(),
        entries: Vec::new(),
        acks: Vec::new(),
        recipients: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use ed25519_dalek::SigningKey;

    use super::*;

    fn signer(key: &SigningKey) -> TrustedKey {
        let public = key.verifying_key();
        TrustedKey {
            fingerprint: fingerprint(public.as_bytes(), "00070"),
            public_key: hex::encode(public.as_bytes()),
            unit: "00070".into(),
            unit_name: String::new(),
            installation: String::new(),
            added_at: String::new(),
            added_by: String::new(),
            revoked_at: None,
            revoked_by: None,
        }
    }

    /// Opens `path` with `key` trusted, counting the trust lookups (the start of the signature
    /// work).
    fn open(path: &Path, key: &SigningKey, max_manifest: u64) -> (Result<Bundle>, u32) {
        let lookups = Cell::new(0);
        let trusted = signer(key);
        let lookup = |fp: &str| {
            lookups.set(lookups.get() + 1);
            Ok((fp == trusted.fingerprint).then(|| trusted.clone()))
        };
        let limits = Limits {
            max_manifest_bytes: max_manifest,
            ..Limits::default()
        };
        let opened = Bundle::open(path, &lookup, limits);
        (opened, lookups.get())
    }

    #[test]
    fn a_manifest_over_the_bound_is_refused_before_its_signer_is_looked_up() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[7; 32]);
        let path = dir.path().join("b.sovang");
        let mut m = raw_manifest(&key, "00070", "Phường");
        let line = b"{}\n";
        write_raw(
            &path,
            &key,
            &mut m,
            &[("records/person.ndjson", line)],
            false,
        )
        .unwrap();
        let size = serde_json::to_vec_pretty(&m).unwrap().len() as u64;

        let (at_bound, lookups) = open(&path, &key, size);
        assert!(at_bound.is_ok(), "a manifest of exactly the bound is read");
        assert_eq!(lookups, 1, "its signer is looked up once");

        let (over, lookups) = open(&path, &key, size - 1);
        let code = over.err().map(|e| e.code);
        assert_eq!(code, Some(Code::BundleManifest), "one byte over is refused");
        assert_eq!(lookups, 0, "refused before any signature work");
    }

    #[test]
    fn the_head_skips_deep_nesting_without_building_it() {
        // 100,000 levels in a field the head does not read: scanned on no stack, then the
        // rest of the head still counts.
        let deep = format!(
            "{{\"x\": {}{}, \"format\": \"{FORMAT}\", \"format_version\": {}, \"origin\": {{\"fingerprint\": \"f\"}}}}",
            "[".repeat(100_000),
            "]".repeat(100_000),
            FORMAT_VERSION + 1
        );
        let head: Head = serde_json::from_str(&deep).expect("a deep unknown field is skipped");
        assert_eq!(head.format_version, FORMAT_VERSION as u64 + 1);
        let wrong = format!("{{\"format\": {}", "[".repeat(100_000));
        assert!(
            serde_json::from_str::<Head>(&wrong).is_err(),
            "a head field of the wrong type fails at its first byte"
        );
    }
}
