//! Editing a config file in place (toml_edit): sources appended with every comment and layout kept, and
//! the result validated before anything is returned.

use std::path::{Path, PathBuf};

use super::{ConfigError, parse};

/// A `[[source]]` table to add to a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    /// Unique id.
    pub id: String,
    /// Feed URL.
    pub url: String,
    /// Region slug, or `national`.
    pub region: String,
    /// Human title.
    pub title: Option<String>,
    /// `schedule`, when the source needs one of its own (`auto` where `[poll] schedule` is a cron).
    pub schedule: Option<String>,
}

/// The start of a config that `add-source` or `import-opml` creates: every source on the learned
/// schedule. The sources follow.
pub const NEW_CONFIG: &str = "# regionfeed config (see the README's config reference).\n\n[poll]\n# Each source is polled as often as it posts, between min_interval_secs and max_interval_secs.\nschedule = \"auto\"\n";

/// Why sources could not be added to a config file.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The existing file is not TOML.
    #[error("{path}: not valid TOML: {message}")]
    NotToml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// `source` exists but is not an array of tables.
    #[error("{path}: `source` is not a list of [[source]] tables")]
    NotSourceTables {
        /// The file.
        path: PathBuf,
    },
    /// The file with the new sources would not be a valid config.
    #[error("the config with the new sources would be invalid:\n{0}")]
    Invalid(ConfigError),
}

/// `text` (the config file at `path`) with `sources` appended as `[[source]]` tables. Everything already
/// in the file — comments, order, formatting — is kept (toml_edit). The result must validate as a
/// config, else nothing is returned.
pub fn append_sources(text: &str, path: &Path, sources: &[NewSource]) -> Result<String, EditError> {
    use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
    let mut document: DocumentMut =
        text.parse()
            .map_err(|error: toml_edit::TomlError| EditError::NotToml {
                path: path.to_path_buf(),
                message: error.to_string(),
            })?;
    let tables = document
        .entry("source")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| EditError::NotSourceTables {
            path: path.to_path_buf(),
        })?;
    for source in sources {
        let mut table = Table::new();
        table["id"] = value(source.id.as_str());
        table["url"] = value(source.url.as_str());
        table["region"] = value(source.region.as_str());
        if let Some(title) = &source.title {
            table["title"] = value(title.as_str());
        }
        if let Some(schedule) = &source.schedule {
            table["schedule"] = value(schedule.as_str());
        }
        tables.push(table);
    }
    let edited = document.to_string();
    parse(&edited, path).map_err(EditError::Invalid)?;
    Ok(edited)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_sources_keeps_comments_and_validates() {
        let text = "# my sources\n[[source]]\nid = \"sx\" # Shanxi\nurl = \"https://sx.example.cn/rss.xml\"\nregion = \"shanxi\"\n";
        let path = Path::new("/etc/regionfeed/regionfeed.toml");
        let new = NewSource {
            id: "sn".into(),
            url: "https://sn.example.cn/rss.xml".into(),
            region: "shaanxi".into(),
            title: Some("陕西".into()),
            schedule: Some("auto".into()),
        };
        let edited = append_sources(text, path, std::slice::from_ref(&new)).unwrap();
        assert!(edited.starts_with("# my sources\n"), "{edited}");
        assert!(edited.contains("id = \"sx\" # Shanxi"), "{edited}");
        let config = parse(&edited, path).unwrap();
        assert_eq!(config.sources.len(), 2);
        assert_eq!(config.sources[1].regions, vec!["shaanxi"]);
        assert!(config.sources[1].schedule.is_auto());
        // A new config: everything on the learned schedule.
        let created = append_sources(
            NEW_CONFIG,
            path,
            &[NewSource {
                schedule: None,
                ..new.clone()
            }],
        )
        .unwrap();
        assert!(
            parse(&created, path).unwrap().sources[0].schedule.is_auto(),
            "{created}"
        );
        // A duplicate id would make the file invalid: refused, nothing returned.
        let duplicate = NewSource {
            id: "sx".into(),
            ..new
        };
        assert!(matches!(
            append_sources(text, path, &[duplicate]),
            Err(EditError::Invalid(_))
        ));
    }
}
