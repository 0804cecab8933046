//! Vietnamese collation through ICU4X: sort keys for people, by given name then the rest.

use icu_collator::{options::CollatorOptions, Collator, CollatorBorrowed};
use icu_locale_core::locale;

pub struct VietCollator {
    inner: CollatorBorrowed<'static>,
}

impl VietCollator {
    pub fn new() -> Self {
        let inner = Collator::try_new(locale!("vi").into(), CollatorOptions::default())
            .expect("ICU4X ships Vietnamese collation data in compiled_data");
        VietCollator { inner }
    }

    pub fn compare(&self, a: &str, b: &str) -> std::cmp::Ordering {
        self.inner.compare(a, b)
    }

    /// A byte key that sorts a full name by its given name (last word), then the rest.
    pub fn name_key(&self, full_name: &str) -> Vec<u8> {
        let name = full_name.trim();
        let (rest, given) = match name.rsplit_once(char::is_whitespace) {
            Some((r, g)) => (r.trim(), g),
            None => ("", name),
        };
        let mut key = Vec::with_capacity(48);
        let _ = self.inner.write_sort_key_to(given, &mut key);
        // 0x00 never occurs inside an ICU sort key, so it separates the parts in order.
        key.push(0);
        let _ = self.inner.write_sort_key_to(rest, &mut key);
        key
    }
}

impl Default for VietCollator {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let c = VietCollator::new();
        let mut v: Vec<(Vec<u8>, String)> = names
            .iter()
            .map(|n| (c.name_key(n), n.to_string()))
            .collect();
        v.sort();
        v.into_iter().map(|x| x.1).collect()
    }

    #[test]
    fn sorts_by_given_name_then_rest() {
        let got = sorted(&[
            "Trần Văn Bình",
            "Nguyễn Thị Anh",
            "Lê Anh",
            "Nguyễn Văn Bình",
        ]);
        assert_eq!(
            got,
            [
                "Lê Anh",
                "Nguyễn Thị Anh",
                "Nguyễn Văn Bình",
                "Trần Văn Bình"
            ],
            "given name first, then family and middle names"
        );
    }

    #[test]
    fn vietnamese_alphabet_order() {
        // a ă â b c d đ e ê: Đức after Dũng, Ân after Anh and Ăn; tones order a à á ả ã ạ.
        let got = sorted(&["Lê Đức", "Lê Dũng", "Lê Ân", "Lê Ăn", "Lê Anh"]);
        assert_eq!(got, ["Lê Anh", "Lê Ăn", "Lê Ân", "Lê Dũng", "Lê Đức"]);
    }
}
