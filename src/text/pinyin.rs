//! Fuzzy pinyin keys, so that ASR homophones compare equal (长江一动 ~ 长江移动).
//!
//! A key is the id of a character's first, toneless pinyin reading after folding the
//! confusions ASR and southern accents make: 平翘舌 (zh→z, ch→c, sh→s), l→n, and 前后鼻音
//! (ang→an, eng→en, ing→in). Tones are ignored.

use super::normalize::is_han;
use pinyin::ToPinyin;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Code points covered by the precomputed table: CJK extension A and the main block, which
/// hold practically every character of real transcripts.
const TABLE_START: u32 = 0x3400;
const TABLE_END: u32 = 0x9FFF;

/// Bit set on keys of Han characters that have no pinyin: they get a per-character key so they
/// never equal a syllable.
const NO_PINYIN: u16 = 0x8000;

struct Keys {
    /// Key per code point in `TABLE_START..=TABLE_END`.
    table: Vec<u16>,
    /// Folded syllable → id; ids are assigned in code point order, so they are stable.
    ids: HashMap<String, u16>,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let mut ids: HashMap<String, u16> = HashMap::new();
    let mut table = Vec::with_capacity((TABLE_END - TABLE_START + 1) as usize);
    for u in TABLE_START..=TABLE_END {
        let key = match char::from_u32(u).and_then(|c| c.to_pinyin()) {
            Some(p) => {
                let next = ids.len() as u16 + 1;
                *ids.entry(fold(p.plain())).or_insert(next)
            }
            None => no_pinyin_key(u),
        };
        table.push(key);
    }
    Keys { table, ids }
});

fn no_pinyin_key(u: u32) -> u16 {
    NO_PINYIN | ((u % 0x7FFF) as u16 + 1)
}

/// Folds a plain pinyin syllable: zh/ch/sh → z/c/s, l → n, ang/eng/ing → an/en/in.
fn fold(plain: &str) -> String {
    let (initial, rest) = if let Some(r) = plain.strip_prefix("zh") {
        ("z", r)
    } else if let Some(r) = plain.strip_prefix("ch") {
        ("c", r)
    } else if let Some(r) = plain.strip_prefix("sh") {
        ("s", r)
    } else if let Some(r) = plain.strip_prefix('l') {
        ("n", r)
    } else {
        ("", plain)
    };
    let rest = ["ang", "eng", "ing"]
        .iter()
        .find_map(|f| rest.strip_suffix(f).map(|stem| format!("{stem}{}", &f[..2])))
        .unwrap_or_else(|| rest.to_string());
    format!("{initial}{rest}")
}

/// The fuzzy syllable key of `c`: 0 for non-Han characters, otherwise a stable non-zero id of
/// its folded first reading (see the module docs).
pub fn syllable_key(c: char) -> u16 {
    key_in(&KEYS, c)
}

fn key_in(keys: &Keys, c: char) -> u16 {
    let u = c as u32;
    if (TABLE_START..=TABLE_END).contains(&u) {
        return keys.table[(u - TABLE_START) as usize];
    }
    if !is_han(c) {
        return 0;
    }
    match c.to_pinyin() {
        Some(p) => keys.ids.get(&fold(p.plain())).copied().unwrap_or_else(|| no_pinyin_key(u)),
        None => no_pinyin_key(u),
    }
}

/// [`syllable_key`] of every character.
pub fn keys(chars: &[char]) -> Vec<u16> {
    let keys: &Keys = &KEYS;
    chars.iter().map(|&c| key_in(keys, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        let ca: Vec<char> = a.chars().collect();
        let cb: Vec<char> = b.chars().collect();
        keys(&ca) == keys(&cb)
    }

    #[test]
    fn folding() {
        assert_eq!(fold("zhang"), "zan");
        assert_eq!(fold("shi"), "si");
        assert_eq!(fold("chi"), "ci");
        assert_eq!(fold("ling"), "nin");
        assert_eq!(fold("feng"), "fen");
        assert_eq!(fold("lü"), "nü");
        assert_eq!(fold("ong"), "ong");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn homophones_compare_equal() {
        assert!(same("长江一动", "长江移动"));
        assert!(same("微信好", "微信号"));
        assert!(same("乐想畅聊套", "乐享畅聊套"));
        assert!(same("是", "四")); // 平翘舌
        assert!(same("心", "星")); // 前后鼻音
        assert!(same("牛", "刘")); // n/l
        assert!(!same("泄漏", "泄露"));
        assert!(!same("保证", "报名"));
    }

    #[test]
    fn non_han_is_zero_and_han_is_not() {
        assert_eq!(syllable_key('a'), 0);
        assert_eq!(syllable_key('1'), 0);
        assert_eq!(syllable_key('，'), 0);
        assert_eq!(syllable_key('😀'), 0);
        assert_ne!(syllable_key('中'), 0);
        assert_ne!(syllable_key('\u{20000}'), 0);
        assert_ne!(syllable_key('\u{9FFF}'), 0);
    }

    #[test]
    fn keys_are_stable() {
        // Ids depend only on the pinyin data, so two lookups agree.
        assert_eq!(syllable_key('移'), syllable_key('一'));
        assert_eq!(keys(&['长', 'a']), vec![syllable_key('长'), 0]);
    }
}
