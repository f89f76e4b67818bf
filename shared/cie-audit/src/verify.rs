//! The offline check of a tax-office package: every original against `chain.json` and `index.csv`, every
//! entry hash recomputed from its fields, every link between consecutive entries, and the head. Pure: the
//! caller reads the ZIP and hands over `chain.json`, `index.csv` and each file's SHA-256.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::chain::GENESIS_HASH;
use crate::package::{
    CHAIN_FILE, ChainFile, FORMAT, INDEX_FILE, INDEX_HEADER, ORIGINALS_DIR, parse_csv,
};

/// A file of the package, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalFile {
    /// Its name in the ZIP.
    pub name: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its length.
    pub size: u64,
}

/// The first thing in a package that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problem {
    /// The file concerned.
    pub file: String,
    /// The archive entry concerned.
    pub seq: Option<i64>,
    /// What does not hold.
    pub what: String,
    /// What the package's own records say it should be.
    pub expected: Option<String>,
    /// What was found.
    pub found: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(seq) = self.seq {
            write!(f, " (seq {seq})")?;
        }
        write!(f, ": {}", self.what)?;
        if let Some(expected) = &self.expected {
            write!(f, "; expected {expected}")?;
        }
        if let Some(found) = &self.found {
            write!(f, ", found {found}")?;
        }
        Ok(())
    }
}

impl Problem {
    fn new(file: &str, seq: Option<i64>, what: impl Into<String>) -> Self {
        Problem {
            file: file.to_owned(),
            seq,
            what: what.into(),
            expected: None,
            found: None,
        }
    }

    fn differs(mut self, expected: impl Into<String>, found: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.found = Some(found.into());
        self
    }
}

/// What a successful check covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The tenant whose chain it is.
    pub tenant: String,
    /// Entries (originals) checked: content hash, size, index row, entry hash.
    pub entries: usize,
    /// Links checked (an entry's `prev_hash` against the entry before it in the package).
    pub links: usize,
    /// Runs of entries missing between two entries of the package (the range or filters left them out),
    /// as (first, last) sequence numbers: the link across them cannot be checked from the package.
    pub gaps: Vec<(i64, i64)>,
    /// The head at export time.
    pub head_seq: i64,
    /// Whether the package's last entry is the head, and its hash was checked against it.
    pub head_checked: bool,
    /// PDF files present.
    pub pdfs: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "tenant {}: {} originals match their SHA-256 in {CHAIN_FILE} and {INDEX_FILE}",
            self.tenant, self.entries
        )?;
        writeln!(
            f,
            "{} entry hashes recomputed from their fields; {} links to the previous entry checked",
            self.entries, self.links
        )?;
        for (first, last) in &self.gaps {
            writeln!(
                f,
                "entries {first}..={last} are not in the package: the link across them is not checked"
            )?;
        }
        if self.head_checked {
            writeln!(
                f,
                "the last entry is the chain head at export time (seq {})",
                self.head_seq
            )?;
        } else {
            writeln!(
                f,
                "the chain head at export time (seq {}) is outside the package",
                self.head_seq
            )?;
        }
        write!(f, "{} PDF renderings present", self.pdfs)
    }
}

/// Checks a package: `chain` and `index` are the bytes of `chain.json` and `index.csv`, `files` every file of
/// the ZIP with its SHA-256. Returns what was checked, or the first problem.
pub fn verify(chain: &[u8], index: &[u8], files: &[OriginalFile]) -> Result<Report, Problem> {
    let chain: ChainFile = serde_json::from_slice(chain)
        .map_err(|e| Problem::new(CHAIN_FILE, None, format!("not a chain segment: {e}")))?;
    if chain.format != FORMAT {
        return Err(
            Problem::new(CHAIN_FILE, None, "unknown package format").differs(FORMAT, chain.format)
        );
    }
    let index = read_index(index)?;
    let by_name: BTreeMap<&str, &OriginalFile> =
        files.iter().map(|f| (f.name.as_str(), f)).collect();
    let tenant = chain.tenant.as_str();
    let mut links = 0;
    let mut gaps = Vec::new();
    let mut listed = BTreeSet::new();
    let mut previous: Option<(i64, &str)> = None;
    for entry in &chain.entries {
        let seq = Some(entry.seq);
        if let Some((prev_seq, _)) = previous
            && entry.seq <= prev_seq
        {
            return Err(Problem::new(
                CHAIN_FILE,
                seq,
                "entries are not in ascending order",
            ));
        }
        if entry.seq > chain.head.seq {
            return Err(
                Problem::new(CHAIN_FILE, seq, "entry lies past the chain head")
                    .differs(format!("seq <= {}", chain.head.seq), entry.seq.to_string()),
            );
        }
        // The original, byte for byte.
        let Some(file) = by_name.get(entry.file.as_str()) else {
            return Err(Problem::new(
                &entry.file,
                seq,
                "the original is missing from the package",
            ));
        };
        if file.sha256 != entry.content_sha256 {
            return Err(Problem::new(
                &entry.file,
                seq,
                format!("content does not match the SHA-256 recorded in {CHAIN_FILE}"),
            )
            .differs(&entry.content_sha256, &file.sha256));
        }
        let size_ok = if entry.truncated {
            file.size as i64 <= entry.size_bytes
        } else {
            file.size as i64 == entry.size_bytes
        };
        if !size_ok {
            return Err(
                Problem::new(&entry.file, seq, "length does not match the recorded size")
                    .differs(entry.size_bytes.to_string(), file.size.to_string()),
            );
        }
        // Its row in the index.
        let Some(row) = index.get(&entry.seq) else {
            return Err(Problem::new(INDEX_FILE, seq, "no row for this entry"));
        };
        if row.sha256 != entry.content_sha256 {
            return Err(
                Problem::new(INDEX_FILE, seq, "SHA-256 differs from chain.json")
                    .differs(&entry.content_sha256, &row.sha256),
            );
        }
        if row.file != entry.file {
            return Err(
                Problem::new(INDEX_FILE, seq, "file name differs from chain.json")
                    .differs(&entry.file, &row.file),
            );
        }
        if !row.pdf.is_empty() && !by_name.contains_key(row.pdf.as_str()) {
            return Err(Problem::new(
                &row.pdf,
                seq,
                "the PDF listed in index.csv is missing",
            ));
        }
        listed.insert(entry.seq);
        // The entry hash, from its fields.
        let recomputed = entry.fields(tenant).entry_hash();
        if recomputed != entry.entry_hash {
            return Err(
                Problem::new(CHAIN_FILE, seq, "entry hash does not match its fields")
                    .differs(&entry.entry_hash, recomputed),
            );
        }
        // The link to the entry before it.
        match previous {
            Some((prev_seq, prev_hash)) if prev_seq + 1 == entry.seq => {
                if entry.prev_hash != prev_hash {
                    return Err(Problem::new(
                        CHAIN_FILE,
                        seq,
                        "prev_hash does not link to the previous entry",
                    )
                    .differs(prev_hash, &entry.prev_hash));
                }
                links += 1;
            }
            Some((prev_seq, _)) => gaps.push((prev_seq + 1, entry.seq - 1)),
            None if entry.seq == 1 => {
                if entry.prev_hash != GENESIS_HASH {
                    return Err(Problem::new(
                        CHAIN_FILE,
                        seq,
                        "the first entry does not start from the genesis hash",
                    )
                    .differs(GENESIS_HASH, &entry.prev_hash));
                }
                links += 1;
            }
            None => {}
        }
        previous = Some((entry.seq, &entry.entry_hash));
    }
    if let Some(extra) = index.keys().find(|seq| !listed.contains(seq)) {
        return Err(Problem::new(
            INDEX_FILE,
            Some(*extra),
            format!("row for an entry that is not in {CHAIN_FILE}"),
        ));
    }
    let in_chain: BTreeSet<&str> = chain.entries.iter().map(|e| e.file.as_str()).collect();
    if let Some(extra) = files
        .iter()
        .find(|f| f.name.starts_with(ORIGINALS_DIR) && !in_chain.contains(f.name.as_str()))
    {
        return Err(Problem::new(
            &extra.name,
            None,
            format!("an original that {CHAIN_FILE} does not list"),
        ));
    }
    let mut head_checked = false;
    if let Some((last_seq, last_hash)) = previous
        && last_seq == chain.head.seq
    {
        if last_hash != chain.head.entry_hash {
            return Err(Problem::new(
                CHAIN_FILE,
                Some(last_seq),
                "the last entry's hash does not match the chain head",
            )
            .differs(&chain.head.entry_hash, last_hash));
        }
        head_checked = true;
    }
    Ok(Report {
        tenant: chain.tenant.clone(),
        entries: chain.entries.len(),
        links,
        gaps,
        head_seq: chain.head.seq,
        head_checked,
        pdfs: files
            .iter()
            .filter(|f| f.name.starts_with("pdf/") && f.name.ends_with(".pdf"))
            .count(),
    })
}

/// What the check needs of an index row.
struct IndexFacts {
    sha256: String,
    file: String,
    pdf: String,
}

fn read_index(bytes: &[u8]) -> Result<BTreeMap<i64, IndexFacts>, Problem> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::new(INDEX_FILE, None, format!("not UTF-8: {e}")))?;
    let rows = parse_csv(text.trim_start_matches('\u{feff}'));
    let Some((header, rows)) = rows.split_first() else {
        return Err(Problem::new(INDEX_FILE, None, "empty"));
    };
    if header != &INDEX_HEADER {
        return Err(Problem::new(INDEX_FILE, None, "unexpected header")
            .differs(INDEX_HEADER.join(","), header.join(",")));
    }
    let mut index = BTreeMap::new();
    for (line, row) in rows.iter().enumerate() {
        let bad = || Problem::new(INDEX_FILE, None, format!("line {} is malformed", line + 2));
        if row.len() != INDEX_HEADER.len() {
            return Err(bad());
        }
        let seq: i64 = row[7].parse().map_err(|_| bad())?;
        let facts = IndexFacts {
            sha256: row[10].clone(),
            file: row[11].clone(),
            pdf: row[12].clone(),
        };
        if index.insert(seq, facts).is_some() {
            return Err(Problem::new(
                INDEX_FILE,
                Some(seq),
                "two rows for one entry",
            ));
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::content_sha256;
    use crate::package::{ChainEntry, ChainHead, IndexRow, index_header_line, original_name};

    /// A package of `count` consecutive entries from seq 1, the head its last entry.
    fn package(count: i64) -> (ChainFile, Vec<(String, Vec<u8>)>) {
        let mut prev = GENESIS_HASH.to_owned();
        let mut entries = Vec::new();
        let mut files = Vec::new();
        for seq in 1..=count {
            let bytes = format!("<Invoice>{seq}</Invoice>").into_bytes();
            let file = original_name(seq, Some(("invoice", &seq.to_string())), "accepted");
            let mut entry = ChainEntry {
                seq,
                prev_hash: prev.clone(),
                entry_hash: String::new(),
                received_at: "2026-04-01T00:00:00.000000Z".into(),
                submitter_id: 2,
                supplier_org_id: Some(1),
                content_sha256: content_sha256(&bytes),
                size_bytes: bytes.len() as i64,
                truncated: false,
                outcome: "accepted".into(),
                error_code: None,
                error_message: None,
                file: file.clone(),
            };
            entry.entry_hash = entry.fields("city").entry_hash();
            prev = entry.entry_hash.clone();
            entries.push(entry);
            files.push((file, bytes));
        }
        let chain = ChainFile {
            format: FORMAT.into(),
            tenant: "city".into(),
            exported_at: "2026-04-02T00:00:00Z".into(),
            criteria: serde_json::json!({}),
            genesis_hash: GENESIS_HASH.into(),
            head: ChainHead {
                seq: count,
                entry_hash: prev,
            },
            entry_hash_formula: String::new(),
            entries,
        };
        (chain, files)
    }

    fn check(chain: &ChainFile, files: &[(String, Vec<u8>)]) -> Result<Report, Problem> {
        let mut index = index_header_line();
        for entry in &chain.entries {
            index.push_str(
                &IndexRow {
                    seq: entry.seq,
                    sha256: entry.content_sha256.clone(),
                    file: entry.file.clone(),
                    ..IndexRow::default()
                }
                .to_csv_line(),
            );
        }
        let files: Vec<OriginalFile> = files
            .iter()
            .map(|(name, bytes)| OriginalFile {
                name: name.clone(),
                sha256: content_sha256(bytes),
                size: bytes.len() as u64,
            })
            .collect();
        let json = serde_json::to_vec(chain).unwrap();
        verify(&json, index.as_bytes(), &files)
    }

    #[test]
    fn an_intact_package_passes_with_every_link_and_the_head() {
        let (chain, files) = package(3);
        let report = check(&chain, &files).unwrap();
        assert_eq!(report.entries, 3);
        assert_eq!(report.links, 3);
        assert!(report.head_checked);
        assert!(report.gaps.is_empty());
    }

    #[test]
    fn one_changed_byte_names_the_file_and_seq() {
        let (chain, mut files) = package(3);
        files[1].1[3] ^= 1;
        let problem = check(&chain, &files).unwrap_err();
        assert_eq!(problem.file, "originals/000002-invoice-2.xml");
        assert_eq!(problem.seq, Some(2));
        assert_eq!(
            problem.expected.as_deref(),
            Some(chain.entries[1].content_sha256.as_str())
        );
    }

    #[test]
    fn a_changed_field_breaks_the_entry_hash() {
        let (mut chain, files) = package(3);
        chain.entries[2].submitter_id = 99;
        let problem = check(&chain, &files).unwrap_err();
        assert_eq!((problem.file.as_str(), problem.seq), (CHAIN_FILE, Some(3)));
        assert!(problem.what.contains("entry hash"), "{problem}");
    }

    #[test]
    fn a_rehashed_entry_breaks_the_link_to_the_next() {
        let (mut chain, files) = package(3);
        chain.entries[1].submitter_id = 99;
        chain.entries[1].entry_hash = chain.entries[1].fields("city").entry_hash();
        let problem = check(&chain, &files).unwrap_err();
        assert_eq!(problem.seq, Some(3));
        assert!(problem.what.contains("prev_hash"), "{problem}");
    }

    #[test]
    fn a_segment_missing_entries_reports_the_gap_and_the_head_outside() {
        let (mut chain, mut files) = package(5);
        chain.entries.remove(2);
        files.remove(2);
        chain.entries.pop();
        files.pop();
        let report = check(&chain, &files).unwrap();
        assert_eq!(report.gaps, vec![(3, 3)]);
        assert_eq!(report.links, 2);
        assert!(!report.head_checked);
    }

    #[test]
    fn a_wrong_head_is_found() {
        let (mut chain, files) = package(2);
        chain.head.entry_hash = "00".into();
        let problem = check(&chain, &files).unwrap_err();
        assert!(problem.what.contains("head"), "{problem}");
    }

    #[test]
    fn a_missing_original_or_an_extra_one_is_named() {
        let (chain, mut files) = package(2);
        let removed = files.remove(0);
        let problem = check(&chain, &files).unwrap_err();
        assert_eq!(problem.file, removed.0);
        files.insert(0, removed);
        files.push(("originals/000009-rejected.bin".into(), vec![1]));
        let problem = check(&chain, &files).unwrap_err();
        assert_eq!(problem.file, "originals/000009-rejected.bin");
    }
}
