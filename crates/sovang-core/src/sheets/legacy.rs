//! Text typed in the old Vietnamese font encodings, TCVN3 (ABC, `.VnTime`) and VNI
//! (`VNI-Times`), still turns up in old lists: read as Unicode it shows Latin-1 letters no
//! Vietnamese word has ("Hµ Néi", "Nguyeãn Thò Haø"). Such a cell is refused by row, with a
//! message that says how to convert it (Unikey's converter), instead of being stored garbled.

/// Characters that Vietnamese written in Unicode never uses but TCVN3 or VNI text shown as
/// Unicode does: TCVN3's µ ¸ ¶ · ¹ (à á ả ã ạ), ¨ © ª « ¬ ® § (ă â ê ô ơ đ Đ) and its
/// capitals, VNI's ø ù û õ ï (the tone marks after a letter), ä å ã-like vowels, Ñ ñ (Đ đ),
/// ö (ư).
const FOREIGN: &[char] = &[
    'µ', '¸', '¶', '·', '¹', '¨', '©', 'ª', '«', '¬', '®', '§', '¦', '¥', '¤', '¢', '¡', '£', '»',
    '¼', '½', '¾', '¿', 'Þ', 'ß', 'Ø', 'ø', 'û', 'ï', 'î', 'Î', 'Ï', 'ö', 'Ö', 'ä', 'Ä', 'å', 'Å',
    'æ', 'Æ', 'ç', 'Ç', 'ë', 'Ë', 'Ñ', 'ñ', 'ü', 'Ü', 'þ', 'ð', 'Ð', 'ÿ', '×', '÷',
];

/// Whether `s` looks like TCVN3 or VNI text read as Unicode: one of those characters right
/// next to a letter (so "25°C" or "m²" do not count).
pub fn looks_legacy(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, c)| {
        FOREIGN.contains(c)
            && (i > 0 && chars[i - 1].is_alphabetic()
                || chars.get(i + 1).is_some_and(|n| n.is_alphabetic()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcvn3_and_vni_are_recognised_and_unicode_vietnamese_is_not() {
        for old in [
            "Hµ Néi",
            "NguyÔn ThÞ Hµ",
            "§oµn thanh niªn",
            "Nguyeãn Thò Haø",
            "Ñoaøn",
        ] {
            assert!(looks_legacy(old), "{old}");
        }
        for good in [
            "Hà Nội",
            "Nguyễn Thị Hà",
            "Đoàn thanh niên",
            "Thắp sáng đường quê",
            "25°C, 30 m²",
            "Trần Văn Ơn",
        ] {
            assert!(!looks_legacy(good), "{good}");
        }
    }
}
