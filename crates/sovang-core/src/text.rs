//! Vietnamese text for search: the exact form (NFC, lower case, marks kept) and the folded form
//! (no marks, `đ` → `d`). Both NFC and NFD input give the same result.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Lower case, NFC, marks kept: what "exact diacritics" means in search.
pub fn exact(s: &str) -> String {
    // Text typed or imported is nearly always NFC already; normalizing it again is the slow
    // part of indexing a record, so it is skipped when the quick check says it is NFC.
    // (Per character, as below: `str::to_lowercase` would treat a word-final Σ apart.)
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return s.chars().flat_map(char::to_lowercase).collect();
    }
    s.nfc().flat_map(char::to_lowercase).collect()
}

/// Lower case, marks removed, `đ`/`Đ` → `d`: what "ignore diacritics" means in search.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Character by character is the same as NFD of the whole text here: canonical reordering
    // only moves combining marks, and they are all dropped.
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                for l in d.to_lowercase() {
                    out.push(if l == 'đ' { 'd' } else { l });
                }
            }
        });
    }
    out
}

/// Words as the search index sees them: runs of letters and digits.
pub fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric() && !is_combining_mark(c))
        .filter(|w| !w.is_empty())
}

/// The text given to the search index: its words separated by single spaces. The index's
/// tokenizer then splits exactly where `words` does, so queries and index always agree.
pub fn index_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in words(s) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The words of `index_words` text `s` that `besides` (the same kind of text) lacks, each
/// once, in no particular order. The indexes keep neither positions nor counts (`detail =
/// none`), so a repeated word would only cost indexing time.
pub fn other_words(s: &str, besides: &str) -> String {
    let known: Vec<&str> = besides.split(' ').collect();
    let mut ws: Vec<&str> = s
        .split(' ')
        .filter(|w| !w.is_empty() && !known.contains(w))
        .collect();
    ws.sort_unstable();
    ws.dedup();
    ws.join(" ")
}

/// A search-index word standing for a filter value (`k` a kind, `u` a unit), added to each
/// record's indexed texts so that filters are part of the FTS query and the index walks only
/// matching rows. `§` is a word character for the index's `ascii` tokenizer but splits words
/// in `words`, so no typed query can ever produce or match one of these.
pub fn filter_token(what: char, value: &str) -> String {
    format!("§{what}{}", hex::encode(value))
}

/// A user's query as words, in the exact form and folded (lower case; at least one word).
/// Each word matches the indexed words it begins (see `store::terms`).
pub struct QueryWords {
    pub exact: Vec<String>,
    pub folded: Vec<String>,
}

pub fn query_words(q: &str) -> Option<QueryWords> {
    let ex = exact(q);
    let exact: Vec<String> = words(&ex).map(str::to_owned).collect();
    if exact.is_empty() {
        return None;
    }
    let folded = exact.iter().map(|w| fold(w)).collect();
    Some(QueryWords { exact, folded })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_marks_and_d() {
        assert_eq!(fold("Đoàn Thanh niên"), "doan thanh nien");
        assert_eq!(fold("Nguyễn Thị Minh Anh"), "nguyen thi minh anh");
    }

    #[test]
    fn nfc_and_nfd_fold_alike() {
        let nfc = "Nguyễn";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd, "the test needs two different encodings");
        assert_eq!(
            fold(nfc),
            fold(&nfd),
            "folding must not depend on the encoding"
        );
        assert_eq!(
            exact(nfc),
            exact(&nfd),
            "exact form must be NFC whatever came in"
        );
    }

    #[test]
    fn fast_paths_agree_with_full_normalization() {
        let samples = [
            "Đoàn TNCS Hồ Chí Minh",
            "NGUYỄN Thị Ánh Tuyết",
            "Hoà Bình, Hòa Bình",
            "Ångström ǅ ﬁ 한국어 ΟΔΟΣ",
            "plain ascii 123",
        ];
        for s in samples {
            let nfd: String = s.nfd().collect();
            for input in [s, nfd.as_str()] {
                let slow_fold: String = input
                    .nfd()
                    .filter(|c| !is_combining_mark(*c))
                    .flat_map(char::to_lowercase)
                    .map(|c| if c == 'đ' { 'd' } else { c })
                    .collect();
                assert_eq!(fold(input), slow_fold, "fold of {input:?}");
                let slow_exact: String = input.nfc().flat_map(char::to_lowercase).collect();
                assert_eq!(exact(input), slow_exact, "exact form of {input:?}");
            }
        }
    }

    #[test]
    fn other_words_drop_repeats_and_known_words() {
        let mut got: Vec<String> = other_words("b a  b c a d", "d e")
            .split(' ')
            .map(str::to_owned)
            .collect();
        got.sort();
        assert_eq!(got, ["a", "b", "c"], "each new word once, none empty");
        assert_eq!(other_words("", "a"), "", "nothing stays nothing");
    }

    #[test]
    fn words_keep_combining_marks_inside() {
        let nfd: String = "Hoà Bình".nfd().collect();
        assert_eq!(words(&nfd).count(), 2, "NFD marks must not split a word");
    }

    #[test]
    fn query_words_are_exact_and_folded() {
        let q = query_words("Nguyễn,  An").unwrap();
        assert_eq!(
            q.exact,
            ["nguyễn", "an"],
            "lower case, marks kept, split at punctuation"
        );
        assert_eq!(q.folded, ["nguyen", "an"]);
        assert!(
            query_words(" ,.; ").is_none(),
            "punctuation alone is no query"
        );
    }
}
