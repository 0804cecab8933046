//! Writes the bad-bundle corpus (`tests/corpus/bundles/`) that the regression tests and the
//! fuzzer start from. Keys come from fixed seeds, so the files are the same on every run:
//! `cargo run -p sovang-core --example make_corpus` (or `make corpus`).

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;
use sha2::{Digest, Sha256};
use sovang_core::sync::bundle::{raw_manifest, write_raw, Limits, Manifest};
use sovang_core::sync::identity::{fingerprint, UnitCard, CARD_FORMAT};

/// The corpus's signing keys: trusted, trusted then revoked, never trusted.
pub const SEEDS: [(&str, u8); 3] = [("trusted", 1), ("revoked", 2), ("untrusted", 3)];

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn card(k: &SigningKey, name: &str) -> UnitCard {
    let public = k.verifying_key();
    UnitCard {
        format: CARD_FORMAT.into(),
        unit: "00070".into(),
        unit_name: format!("Phường Hoàn Kiếm ({name})"),
        installation: "01900000-0000-7000-8000-0000000000aa".into(),
        public_key: hex::encode(public.as_bytes()),
        fingerprint: fingerprint(public.as_bytes(), "00070"),
        created_at: "2026-11-26T08:00:00.000Z".into(),
    }
}

fn person_line(id: &str, unit: &str, name: &str, birth: &str) -> String {
    let v = "001795000000000-00000-00000000000000aa";
    let rec = json!({
        "id": id, "unit": unit,
        "created_at": "2026-11-26T08:00:00.000Z", "created_by": "Cán bộ Corpus", "created_hlc": v,
        "updated_at": "2026-11-26T08:00:00.000Z", "updated_by": "Cán bộ Corpus",
        "body": {"full_name": name, "unit": unit, "birth_date": birth},
        "versions": {"full_name": v, "unit": v, "birth_date": v, "deleted": v}
    });
    format!("{rec}\n")
}

const PERSON: &str = "records/person.ndjson";

struct Corpus {
    dir: PathBuf,
    trusted: SigningKey,
}

impl Corpus {
    fn manifest(&self, k: &SigningKey) -> Manifest {
        let mut m = raw_manifest(k, "00070", "Phường Hoàn Kiếm");
        m.counts.insert("person".into(), 1);
        m
    }

    fn write(
        &self,
        name: &str,
        k: &SigningKey,
        m: &mut Manifest,
        entries: &[(&str, &[u8])],
        keep: bool,
    ) -> PathBuf {
        let path = self.dir.join(name);
        write_raw(&path, k, m, entries, keep).expect("corpus bundle");
        path
    }

    /// A bundle whose manifest is signed for records `signed` but that ships `shipped`.
    fn swapped(&self, name: &str, k: &SigningKey, signed: &str, shipped: &str) -> PathBuf {
        let mut m = self.manifest(k);
        self.write(name, k, &mut m, &[(PERSON, signed.as_bytes())], false);
        self.write(name, k, &mut m, &[(PERSON, shipped.as_bytes())], true)
    }

    fn good_line(&self) -> String {
        person_line(
            "01900000-0000-7000-8000-00000000c001",
            "00070",
            "Nguyễn Văn Mẫu",
            "2000-03-12",
        )
    }

    fn simple(&self, name: &str, k: &SigningKey, line: &str) -> PathBuf {
        let mut m = self.manifest(k);
        self.write(name, k, &mut m, &[(PERSON, line.as_bytes())], false)
    }
}

/// A zip of the given entries, exactly as given.
fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Replaces every occurrence of `from` by `to` (same length) in a file.
fn patch(path: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(path).unwrap();
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    std::fs::write(path, bytes).unwrap();
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let dir = root.join("bundles");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, seed) in SEEDS {
        let text = serde_json::to_string_pretty(&card(&key(seed), name)).unwrap();
        std::fs::write(root.join(format!("{name}-card.json")), text + "\n").unwrap();
    }
    let c = Corpus {
        dir: dir.clone(),
        trusted: key(1),
    };
    let t = &c.trusted;
    let good = c.good_line();

    c.simple("good.sovang", t, &good);
    c.simple("untrusted-key.sovang", &key(3), &good);
    c.simple("revoked-key.sovang", &key(2), &good);
    std::fs::write(
        dir.join("not-a-zip.sovang"),
        "Đây không phải gói đồng bộ.\n",
    )
    .unwrap();
    let bytes = std::fs::read(dir.join("good.sovang")).unwrap();
    std::fs::write(dir.join("truncated.sovang"), &bytes[..bytes.len() / 2]).unwrap();

    // Signed, then the manifest changed (the zip itself stays well-formed): the signature
    // no longer matches.
    let mut m = c.manifest(t);
    write_raw(
        &dir.join("bad-signature.sovang"),
        t,
        &mut m,
        &[(PERSON, good.as_bytes())],
        false,
    )
    .unwrap();
    let signed = serde_json::to_vec_pretty(&m).unwrap();
    m.counts.insert("person".into(), 2);
    let changed = serde_json::to_vec_pretty(&m).unwrap();
    let sig = t.sign(&signed).to_bytes();
    write_zip(
        &dir.join("bad-signature.sovang"),
        &[
            (PERSON, good.as_bytes()),
            ("manifest.json", &changed),
            ("manifest.sig", &sig),
        ],
    );
    // The manifest is signed, but lists another hash for the records.
    let mut m = c.manifest(t);
    write_raw(
        &dir.join("hash-mismatch.sovang"),
        t,
        &mut m,
        &[(PERSON, good.as_bytes())],
        false,
    )
    .unwrap();
    m.entries[0].sha256 = "0".repeat(64);
    c.write(
        "hash-mismatch.sovang",
        t,
        &mut m,
        &[(PERSON, good.as_bytes())],
        true,
    );

    // Records changed after signing so that a line no longer parses: the hash is the problem
    // to report (records are hashed as the import reads them, not beforehand).
    c.swapped(
        "tampered-malformed-record.sovang",
        t,
        &good,
        &format!("{good}{{\"id\": \n"),
    );
    // Records grown past the size the manifest lists: refused as soon as they inflate past it.
    c.swapped("grown-entry.sovang", t, &good, &good.repeat(50));

    // An attachment no record needs, its bytes changed: the import never reads it, so only
    // the check of every entry's hash can refuse the file.
    let photo = b"\x89PNG\r\n\x1a\nunused";
    let photo_entry = format!("attachments/{}", hex::encode(Sha256::digest(photo)));
    let mut m = c.manifest(t);
    let entries: &[(&str, &[u8])] = &[(PERSON, good.as_bytes()), (&photo_entry, photo)];
    let path = dir.join("unneeded-entry-changed.sovang");
    write_raw(&path, t, &mut m, entries, false).unwrap();
    m.entries[1].sha256 = "0".repeat(64);
    c.write("unneeded-entry-changed.sovang", t, &mut m, entries, true);

    for (file, name) in [
        ("path-traversal.sovang", "../../evil.ndjson"),
        ("absolute-path.sovang", "/etc/sovang.ndjson"),
        ("unknown-entry.sovang", "records/secret.ndjson"),
    ] {
        let mut m = c.manifest(t);
        c.write(
            file,
            t,
            &mut m,
            &[(PERSON, good.as_bytes()), (name, b"{}\n")],
            false,
        );
    }
    // An entry the manifest does not list, and a listed entry that is missing.
    let mut m = c.manifest(t);
    write_raw(
        &dir.join("unlisted-entry.sovang"),
        t,
        &mut m,
        &[(PERSON, good.as_bytes())],
        false,
    )
    .unwrap();
    c.write(
        "unlisted-entry.sovang",
        t,
        &mut m,
        &[(PERSON, good.as_bytes()), ("records/entry.ndjson", b"")],
        true,
    );
    let mut m = c.manifest(t);
    write_raw(
        &dir.join("missing-entry.sovang"),
        t,
        &mut m,
        &[(PERSON, good.as_bytes()), ("records/entry.ndjson", b"")],
        false,
    )
    .unwrap();
    c.write(
        "missing-entry.sovang",
        t,
        &mut m,
        &[(PERSON, good.as_bytes())],
        true,
    );

    // A symbolic link entry.
    {
        use std::io::Write;
        use zip::write::SimpleFileOptions;
        let path = dir.join("symlink.sovang");
        let mut m = c.manifest(t);
        write_raw(&path, t, &mut m, &[(PERSON, good.as_bytes())], false).unwrap();
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let o = SimpleFileOptions::default();
        zip.add_symlink("records/entry.ndjson", "/etc/passwd", o)
            .unwrap();
        zip.start_file(PERSON, o).unwrap();
        zip.write_all(good.as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    // Two entries with one name: written under two names of equal length, then renamed.
    let mut m = c.manifest(t);
    let p = c.write(
        "duplicate-entry.sovang",
        t,
        &mut m,
        &[
            (PERSON, good.as_bytes()),
            ("records/persoX.ndjson", good.as_bytes()),
        ],
        false,
    );
    patch(&p, b"records/persoX.ndjson", PERSON.as_bytes());

    // A zip64 end record that declares 3,000,000 entries.
    {
        let bytes = std::fs::read(dir.join("good.sovang")).unwrap();
        let eocd = bytes.len() - 22;
        let cd_size = u32::from_le_bytes(bytes[eocd + 12..eocd + 16].try_into().unwrap()) as u64;
        let cd_off = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().unwrap()) as u64;
        let mut out = bytes[..eocd].to_vec();
        let z64 = out.len() as u64;
        out.extend(b"PK\x06\x06");
        out.extend(44u64.to_le_bytes());
        out.extend(45u16.to_le_bytes());
        out.extend(45u16.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(3_000_000u64.to_le_bytes());
        out.extend(3_000_000u64.to_le_bytes());
        out.extend(cd_size.to_le_bytes());
        out.extend(cd_off.to_le_bytes());
        out.extend(b"PK\x06\x07");
        out.extend(0u32.to_le_bytes());
        out.extend(z64.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(b"PK\x05\x06");
        out.extend([0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        out.extend(0xFFFF_FFFFu32.to_le_bytes());
        out.extend(0xFFFF_FFFFu32.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        std::fs::write(dir.join("too-many-entries.sovang"), out).unwrap();
    }
    // 64 MB of blank lines in a few tens of kilobytes.
    let blanks = vec![b'\n'; 64 << 20];
    let mut m = c.manifest(t);
    c.write("zip-bomb.sovang", t, &mut m, &[(PERSON, &blanks)], false);

    let mut m = c.manifest(t);
    m.format_version = sovang_core::sync::bundle::FORMAT_VERSION + 1;
    c.write(
        "newer-format.sovang",
        t,
        &mut m,
        &[(PERSON, good.as_bytes())],
        false,
    );
    let garbage = b"{\"format\": \"sovang-bundle\", \"format_version\": 1,";
    let sig = t.sign(garbage).to_bytes();
    write_zip(
        &dir.join("malformed-manifest.sovang"),
        &[
            (PERSON, good.as_bytes()),
            ("manifest.json", garbage),
            ("manifest.sig", &sig),
        ],
    );

    // A manifest one byte over the bound, otherwise good and signed by the trusted key: only
    // the bound refuses it, before its signer is looked up. Its padding is mostly one letter
    // with a pseudo-random digit every 64 bytes, so that it deflates below the ratio limit
    // while the file stays small.
    let max = Limits::default().max_manifest_bytes as usize;
    let mut m = c.manifest(t);
    let path = dir.join("manifest-over-bound.sovang");
    write_raw(&path, t, &mut m, &[(PERSON, good.as_bytes())], false).unwrap();
    let mut bytes = serde_json::to_vec(&m).unwrap();
    bytes.pop(); // the closing brace
    bytes.extend(b",\"padding\":\"");
    let mut state = 1u64;
    let pad = max + 1 - bytes.len() - 2;
    bytes.extend((0..pad).map(|i| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if i % 64 == 0 {
            b'0' + (state >> 60) as u8 % 10
        } else {
            b'a'
        }
    }));
    bytes.extend(b"\"}");
    assert_eq!(bytes.len(), max + 1);
    let sig = t.sign(&bytes).to_bytes();
    write_zip(
        &path,
        &[
            (PERSON, good.as_bytes()),
            ("manifest.json", &bytes),
            ("manifest.sig", &sig),
        ],
    );
    // A manifest nested 400,000 deep where a count belongs, signed by the trusted key: the
    // reader skips it on its way to the key (no stack, no tree), then refuses the count.
    let mut m = c.manifest(t);
    let path = dir.join("deep-manifest.sovang");
    write_raw(&path, t, &mut m, &[(PERSON, good.as_bytes())], false).unwrap();
    let text = serde_json::to_string(&m).unwrap();
    let depth = 400_000;
    let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let text = text.replacen("\"person\":1", &format!("\"person\":{nested}"), 1);
    assert!(text.len() > 2 * depth, "the nesting is in");
    let sig = t.sign(text.as_bytes()).to_bytes();
    write_zip(
        &path,
        &[
            (PERSON, good.as_bytes()),
            ("manifest.json", text.as_bytes()),
            ("manifest.sig", &sig),
        ],
    );

    c.simple(
        "malformed-record.sovang",
        t,
        "{\"id\": \"01900000-0000-7000-8000-00000000c002\", \"unit\": \n",
    );
    // Well-formed, but no person can be born in 2090, nor have no name.
    let invalid = person_line(
        "01900000-0000-7000-8000-00000000c003",
        "00070",
        "",
        "2090-01-01",
    );
    c.simple("invalid-record.sovang", t, &invalid);
    // Signed by ward 00070, about a person of ward 00004.
    let foreign = person_line(
        "01900000-0000-7000-8000-00000000c004",
        "00004",
        "Trần Thị Khác",
        "2001-01-01",
    );
    c.simple("out-of-authority.sovang", t, &foreign);
    println!("corpus written to {}", dir.display());
}
