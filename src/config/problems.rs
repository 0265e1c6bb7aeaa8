//! Problems found in a config file, each with its place (file, line, column), and `ConfigError`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why a config was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but has problems; each says where.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

/// One problem in a config file, with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The config file.
    pub path: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters), with `line`.
    pub column: Option<usize>,
    /// What is wrong, naming the key or source id.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(
                    f,
                    "{}:{line}:{column}: {}",
                    self.path.display(),
                    self.message
                )
            }
            _ => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

pub(super) fn render_problems(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

/// Turns byte spans into file positions.
pub(super) struct Locator<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
}

impl Locator<'_> {
    pub(super) fn problem(&self, span: Option<Range<usize>>, message: String) -> Problem {
        let (line, column) = match span {
            Some(span) => {
                let (line, column) = line_and_column(self.text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        Problem {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub(super) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
