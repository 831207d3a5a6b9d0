//! JSON Schemas of the rubric format, generated from the serde model (schemars), so that
//! editors (VS Code's Even Better TOML, taplo) complete and check keys as the loader does.

use crate::rubric::model::{RubricFile, RubricFragment};

/// The schema of a rubric file, pretty-printed with a final newline.
pub fn rubric_schema() -> String {
    render(schemars::schema_for!(RubricFile), "callqa rubric")
}

/// The schema of a shared list file pulled in with `include` (`rubrics/common/*.toml`).
pub fn include_schema() -> String {
    render(schemars::schema_for!(RubricFragment), "callqa rubric include file")
}

fn render(mut schema: schemars::Schema, title: &str) -> String {
    schema.insert("title".into(), title.into());
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is plain JSON");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_knows_every_section_and_refuses_unknown_keys() {
        let s: serde_json::Value = serde_json::from_str(&rubric_schema()).unwrap();
        let props = s["properties"].as_object().unwrap();
        for key in ["include", "rubric", "criteria", "steps", "rules", "knowledge", "lexicons", "facts"] {
            assert!(props.contains_key(key), "missing {key}");
        }
        assert_eq!(s["additionalProperties"], serde_json::Value::Bool(false));
        assert!(rubric_schema().contains("\"match\""), "examples.match is spelled as in TOML");
        let inc: serde_json::Value = serde_json::from_str(&include_schema()).unwrap();
        assert_eq!(inc["properties"].as_object().unwrap().len(), 3);
    }
}
