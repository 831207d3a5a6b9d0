//! OpenAI chat messages → turns: `assistant` is the agent, `user` the customer; `system`,
//! `developer` and tool traffic are not part of the conversation.

use super::{Position, RawTurn, Role, push_continuation};
use crate::error::InputError;
use serde::Deserialize;

/// One chat message as OpenAI's API and fine-tuning files write it.
#[derive(Deserialize)]
#[serde(expecting = "a chat message like {\"role\": \"user\", \"content\": \"…\"}")]
pub(crate) struct MessageDoc {
    role: String,
    content: Option<Content>,
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a string or an array of content parts")]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a content part like {\"type\": \"text\", \"text\": \"…\"}")]
enum Part {
    Text(String),
    Object {
        #[serde(rename = "type")]
        kind: Option<String>,
        text: Option<String>,
    },
}

impl Content {
    /// The message's text; `None` when it has none (tool calls, images only).
    fn into_text(self) -> Option<String> {
        match self {
            Content::Text(s) => Some(s),
            Content::Parts(parts) => {
                let mut out: Option<String> = None;
                for part in parts {
                    let text = match part {
                        Part::Text(s) => s,
                        Part::Object { kind, text: Some(t) } if kind.as_deref().is_none_or(|k| k == "text") => t,
                        Part::Object { .. } => continue,
                    };
                    push_continuation(out.get_or_insert_with(String::new), &text);
                }
                out
            }
        }
    }
}

/// Converts messages (with their positions) into turns; the role string is the speaker label.
pub(crate) fn to_turns(
    file: &str,
    messages: Vec<MessageDoc>,
    positions: &[Position],
) -> Result<Vec<RawTurn>, InputError> {
    let mut turns = Vec::new();
    for (i, msg) in messages.into_iter().enumerate() {
        let pos = positions.get(i).copied().unwrap_or_default();
        let role = match msg.role.trim().to_ascii_lowercase().as_str() {
            "assistant" => Role::Agent,
            "user" => Role::Customer,
            "system" | "developer" | "tool" | "function" => continue,
            _ => {
                return Err(InputError::at(
                    file,
                    pos.line,
                    pos.column,
                    format!("unknown chat role \"{}\"; expected system, user, assistant or tool", msg.role),
                ));
            }
        };
        // An assistant message that only calls tools says nothing to the customer.
        let Some(text) = msg.content.and_then(Content::into_text) else {
            continue;
        };
        turns.push(RawTurn {
            speaker: msg.role.trim().to_string(),
            text: text.trim().to_string(),
            start: None,
            end: None,
            role_hint: Some(role),
            pos,
            sentences: Vec::new(),
            meta: Default::default(),
        });
    }
    Ok(turns)
}

#[cfg(test)]
mod tests {
    use crate::transcript::{Role, json};

    #[test]
    fn chat_document() {
        let text = r#"{"id": "sim-1", "metadata": {"prompt_version": "v3"}, "messages": [
  {"role": "system", "content": "你是长江移动的销售顾问"},
  {"role": "assistant", "content": "您好，我是长江移动的李明。"},
  {"role": "user", "content": [{"type": "text", "text": "你好"}, {"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "什么事"}]},
  {"role": "assistant", "content": null, "tool_calls": [{"id": "t1"}]},
  {"role": "tool", "content": "ok"},
  {"role": "assistant", "content": "想跟您介绍一个套餐。"}
]}"#;
        let call = json::parse("sims/a.json", text).remove(0).unwrap();
        assert_eq!(call.id, "sim-1");
        assert_eq!(call.meta["prompt_version"], "v3");
        let got: Vec<_> = call.turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str(), t.role_hint)).collect();
        assert_eq!(
            got,
            [
                ("assistant", "您好，我是长江移动的李明。", Some(Role::Agent)),
                ("user", "你好什么事", Some(Role::Customer)),
                ("assistant", "想跟您介绍一个套餐。", Some(Role::Agent)),
            ]
        );
        assert_eq!((call.turns[0].pos.line, call.turns[0].pos.column), (3, 3));
    }

    #[test]
    fn unknown_role_and_bad_content() {
        let e = json::parse("x.json", r#"{"messages": [{"role": "narrator", "content": "x"}]}"#).remove(0).unwrap_err();
        assert!(e.message.contains("unknown chat role \"narrator\""), "{e}");
        assert_eq!(e.source, "x.json:1:15");
        let e = json::parse("x.json", r#"{"messages": [{"role": "user", "content": 3}]}"#).remove(0).unwrap_err();
        assert!(e.message.contains("a string or an array of content parts"), "{e}");
    }
}
