//! An offline HTML check for the pages we serve: html5ever's tokenizer (the HTML5 parser's first stage)
//! must report no parse error, every non-void element must be closed in order (self-closing only for void
//! elements and inside `<svg>`), and every `id` must be unique. Returns the start tags for further checks.

use std::cell::RefCell;
use std::collections::BTreeSet;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// A start tag: its name and attributes, and the names of the elements it sits in.
#[derive(Debug, Clone)]
pub struct StartTag {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub ancestors: Vec<String>,
}

impl StartTag {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

#[derive(Default)]
struct Collector {
    problems: RefCell<Vec<String>>,
    open: RefCell<Vec<String>>,
    tags: RefCell<Vec<StartTag>>,
}

impl TokenSink for Collector {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        let mut problems = self.problems.borrow_mut();
        let mut open = self.open.borrow_mut();
        match token {
            Token::ParseError(error) => problems.push(format!("line {line}: {error}")),
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                let in_svg = open.iter().any(|element| element == "svg");
                match tag.kind {
                    TagKind::StartTag => {
                        self.tags.borrow_mut().push(StartTag {
                            name: name.clone(),
                            attributes: tag
                                .attrs
                                .iter()
                                .map(|a| (a.name.local.to_string(), a.value.to_string()))
                                .collect(),
                            ancestors: open.clone(),
                        });
                        let void = VOID.contains(&name.as_str());
                        if tag.self_closing && !void && !in_svg {
                            problems.push(format!("line {line}: <{name}/> is not a void element"));
                        }
                        if !void && !tag.self_closing {
                            open.push(name.clone());
                        }
                    }
                    TagKind::EndTag => match open.pop() {
                        Some(expected) if expected == name => {}
                        other => problems.push(format!("line {line}: </{name}> closes {other:?}")),
                    },
                }
                // Style and title text is raw text: the tokenizer must not read tags in it.
                if tag.kind == TagKind::StartTag
                    && (name == "style" || (name == "title" && !in_svg))
                {
                    let kind = if name == "style" {
                        html5ever::tokenizer::states::RawKind::Rawtext
                    } else {
                        html5ever::tokenizer::states::RawKind::Rcdata
                    };
                    return TokenSinkResult::RawData(kind);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Checks `html` (see the module doc) and returns its start tags; panics naming every problem.
pub fn check(html: &str) -> Vec<StartTag> {
    let tokenizer = Tokenizer::new(
        Collector::default(),
        TokenizerOpts {
            exact_errors: true,
            ..TokenizerOpts::default()
        },
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let sink = &tokenizer.sink;
    let mut problems = sink.problems.borrow().clone();
    let open = sink.open.borrow();
    if !open.is_empty() {
        problems.push(format!("never closed: {open:?}"));
    }
    let tags = sink.tags.borrow().clone();
    let mut ids = BTreeSet::new();
    for tag in &tags {
        if let Some(id) = tag.attribute("id")
            && !ids.insert(id.to_string())
        {
            problems.push(format!("id \"{id}\" used twice"));
        }
    }
    assert!(
        problems.is_empty(),
        "HTML problems:\n{}",
        problems.join("\n")
    );
    tags
}
