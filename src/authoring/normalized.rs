//! Phrases that normalization changes (RL010): a phrase is matched as its normalized text, so a
//! character normalization removes (an ASR filler such as 啊, 嗯, 那个) is not part of what
//! matches — the forbidden phrase 不知道啊 is matched as 不知道, and then matches a polite
//! 不知道您…. What only rewrites characters is not reported: folding the script (traditional →
//! simplified, full-width → half-width, case, punctuation marks) and numbers written in words
//! (百分之百 → 100%), which turns get in the same way and which mean the same.

use super::lint::{Warning, phrase_lists};
use crate::rubric::error::line_column;
use crate::rubric::model::{LexiconDef, RubricFile};
use crate::text::normalize::normalize;

/// How normalization changed one phrase, in words; `None` when it changed nothing but the
/// script's folding.
pub fn change(phrase: &str) -> Option<(String, String)> {
    let n = normalize(phrase);
    let orig: Vec<char> = phrase.chars().collect();
    let mut covered = vec![false; orig.len()];
    for &(s, e) in &n.orig {
        for c in covered.iter_mut().take(e.min(orig.len())).skip(s) {
            *c = true;
        }
    }
    let dropped: String = orig
        .iter()
        .zip(&covered)
        .filter(|(c, kept)| !**kept && !c.is_whitespace() && !is_invisible(**c))
        .map(|(c, _)| *c)
        .collect();
    let after = n.text.trim().to_string();
    if !dropped.is_empty() {
        return Some((after, format!("removes {dropped} (an ASR filler)")));
    }
    None
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}')
}

/// RL010 for every phrase written in the rubric (its items' phrase lists, its own lexicons and
/// the entries it adds to others) and in the lexicons of its includes.
pub fn normalization_changes(file: &RubricFile, path: &str, source: &str) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut report = |owner: &str, at: Option<usize>, phrase: &str, in_path: &str| {
        if phrase.starts_with('@') || !seen.insert((owner.to_string(), phrase.to_string())) {
            return;
        }
        let Some((after, how)) = change(phrase) else { return };
        // The phrase itself when it is written after its item (the first quoted occurrence);
        // the item otherwise.
        let offset = if in_path == path {
            at.and_then(|o| {
                [format!("\"{phrase}\""), format!("'{phrase}'")]
                    .iter()
                    .filter_map(|q| source.get(o..).and_then(|rest| rest.find(q.as_str())).map(|p| o + p))
                    .min()
            })
            .or(at)
        } else {
            None
        };
        let (line, column) = offset.map(|o| line_column(source, o)).unzip();
        out.push(Warning {
            code: "RL010",
            path: in_path.to_string(),
            line,
            column,
            message: format!(
                "{owner}: normalization changes the phrase `{phrase}` → `{after}` ({how}); it matches wherever `{after}` occurs"
            ),
            help: "turns are normalized the same way, so the phrase cannot require what was removed: write the phrase as it is matched, and tell a polite use apart with `none` (e.g. none = [\"不知道您\"]) or a regex on the normalized text (e.g. '不知道(。|？|$)')".into(),
        });
    };
    for list in phrase_lists(file) {
        for p in list.phrases {
            report(&list.owner, list.offset, p, path);
        }
    }
    for (name, def) in &file.lexicon_defs {
        let owner = format!("lexicon `{name}`");
        let at = find_key(source, name);
        match def {
            LexiconDef::List(list) => list.iter().for_each(|p| report(&owner, at, p, path)),
            LexiconDef::Edit(e) => e.add.iter().for_each(|p| report(&owner, Some(p.span().start), p.get_ref(), path)),
        }
    }
    for (name, from) in &file.included_lexicons {
        for p in file.lexicons.get(name).into_iter().flatten() {
            report(&format!("lexicon `{name}`"), None, p, from);
        }
    }
    out
}

/// Where the lexicon `name` is defined in the rubric (`name =` or `[lexicons.name]`).
fn find_key(source: &str, name: &str) -> Option<usize> {
    let doc = toml::de::DeTable::parse(source).ok()?;
    let lex = doc.get_ref().get("lexicons")?;
    let toml::de::DeValue::Table(t) = lex.get_ref() else { return None };
    t.iter().find(|(k, _)| k.get_ref() == name).map(|(k, _)| k.span().start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_filler_and_a_spelled_number_are_changes_folding_is_not() {
        assert_eq!(change("不知道啊"), Some(("不知道".into(), "removes 啊 (an ASR filler)".into())));
        for same in ["不知道", "這個ＶＸ號", "59元", "五十九块", "百分之百", "最低", "好的，再见", "Ｑ Ｑ"]
        {
            assert_eq!(change(same), None, "{same}");
        }
    }

    #[test]
    fn every_changed_phrase_is_reported_where_it_is_written() {
        let src = "[rubric]\nid = \"t\"\nversion = \"1\"\n\n[lexicons]\nrefusal = [\"不归我管\", \"不知道啊\"]\n\n[[rules]]\nid = \"r\"\ncode = \"SV001\"\ncriterion = \"style\"\ntype = \"forbid\"\nseverity = \"major\"\nmessage = \"m\"\ncues = { any = [\"@refusal\", \"嗯好的\"] }\n";
        let file = crate::rubric::load::parse("r.toml", src).unwrap();
        let mut w = normalization_changes(&file, "r.toml", src);
        w.sort_by_key(|w| w.line);
        let text: Vec<String> = w.iter().map(|w| w.to_string()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].starts_with(
                "r.toml:6:20: warning[RL010]: lexicon `refusal`: normalization changes the phrase `不知道啊` → `不知道`"
            ),
            "{text:?}"
        );
        assert!(
            text[1].starts_with(
                "r.toml:15:29: warning[RL010]: rule `r`: normalization changes the phrase `嗯好的` → `好的` (removes 嗯"
            ),
            "{text:?}"
        );
    }

    #[test]
    fn the_built_in_lists_change_no_phrase() {
        for (path, text) in crate::rubric::EMBEDDED_INCLUDES {
            let f: crate::rubric::model::RubricFragment = toml::from_str(text).unwrap();
            for (name, list) in &f.lexicons {
                for p in list.get_ref() {
                    assert_eq!(change(p), None, "{path}: lexicon {name}: {p}");
                }
            }
        }
    }
}
