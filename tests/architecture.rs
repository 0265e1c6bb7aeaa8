//! The house rules of ARCHITECTURE.md as checks over `src/`: modules import only from lower layers, there
//! is no import circle between modules, only `store` speaks SQL, and the pure stages read no clock, no
//! network and no file system.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module and its layer: a module may import only from modules of a lower layer (and
/// from itself). Lower layers know nothing of the higher ones.
const LAYERS: &[(&str, u8)] = &[
    // Shared vocabulary: the region catalog, text helpers, logging and the metric registry.
    ("regions", 0),
    ("text", 0),
    ("telemetry", 0),
    ("metrics", 0),
    ("memory", 0),
    // The validated config every stage reads.
    ("config", 1),
    // The pure stages, in the order of the data's journey.
    ("feed", 2),
    ("classify", 3),
    // The only module with SQL.
    ("store", 4),
    // What reads the store and config: polling writes, health and OPML report.
    ("health", 5),
    ("opml", 5),
    ("poll", 5),
    // HTTP.
    ("server", 6),
    ("publish", 6),
    // Wiring and the command line.
    ("app", 7),
    ("cli", 8),
];

/// Files (relative to `src/`) that must stay pure: no clock, no network, no file system, no SQL.
const PURE: &[&str] = &[
    "regions.rs",
    "text.rs",
    "feed.rs",
    "feed/",
    "classify.rs",
    "classify/",
    "opml.rs",
    "health.rs",
    "publish/query.rs",
    "publish/render.rs",
    "publish/pages.rs",
    "publish/document.rs",
    "publish/sanitise.rs",
    "publish/reading.rs",
    "publish/map.rs",
    "config/cron.rs",
    "config/problems.rs",
    "config/raw.rs",
    "config/schedule.rs",
    "poll/pace.rs",
    "poll/trust.rs",
    "poll/memory.rs",
];

/// What a pure stage must not mention, and why.
const IMPURE: &[(&str, &str)] = &[
    ("Utc::now", "reads the clock (take `now` as an argument)"),
    ("Local::now", "reads the clock"),
    ("SystemTime", "reads the clock"),
    ("Instant::now", "reads the clock"),
    ("std::fs", "touches the file system"),
    ("File::", "touches the file system"),
    ("std::net", "touches the network"),
    ("tokio::", "does I/O or waits"),
    ("reqwest", "touches the network"),
    ("rusqlite", "speaks SQL"),
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, as (path relative to `src/`, text).
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut folders = vec![src_dir()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src_dir()).unwrap();
                let relative = relative.to_string_lossy().replace('\\', "/");
                files.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 20,
        "found only {} files under src/",
        files.len()
    );
    files
}

/// The module path of a file: `store/items.rs` → `store::items`, `store.rs` → `store`.
fn module_of(file: &str) -> String {
    file.trim_end_matches(".rs").replace('/', "::")
}

/// The code of a file without its `#[cfg(test)]` module and without comments.
fn code_of(text: &str) -> String {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(start) => &text[..start],
        None => text,
    };
    code.lines()
        .map(|line| match line.trim_start().starts_with("//") {
            true => "",
            false => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules a file's code names: every `crate::a::b` path (also inside `use crate::{a, b::c}`) and
/// `super::sibling` paths, as module paths that exist.
fn imports(module: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let parent = module.rsplit_once("::").map(|(parent, _)| parent);
    for (prefix, base) in [("crate::", None), ("super::", parent)] {
        if prefix == "super::" && base.is_none() {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            rest = &rest[at + prefix.len()..];
            for path in paths_at(rest) {
                let full = match base {
                    Some(base) => format!("{base}::{path}"),
                    None => path,
                };
                // The longest prefix of the path that is a module.
                let parts: Vec<&str> = full.split("::").collect();
                if let Some(target) = (1..=parts.len())
                    .rev()
                    .map(|n| parts[..n].join("::"))
                    .find(|candidate| known.contains(candidate))
                {
                    found.insert(target);
                }
            }
        }
    }
    found.remove(module);
    found
}

/// The paths written right after `crate::` or `super::`: `a::b::C` or each of `{a, b::c}`.
fn paths_at(text: &str) -> Vec<String> {
    if let Some(group) = text.strip_prefix('{') {
        let end = group.find('}').unwrap_or(group.len());
        return group[..end]
            .split(',')
            .map(|part| path_prefix(part.trim()))
            .filter(|path| !path.is_empty())
            .collect();
    }
    vec![path_prefix(text)]
}

fn path_prefix(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect::<String>()
        .trim_end_matches(':')
        .to_string()
}

fn top_level(module: &str) -> &str {
    module.split("::").next().unwrap()
}

fn layer_of(module: &str) -> u8 {
    let top = top_level(module);
    LAYERS
        .iter()
        .find(|(name, _)| *name == top)
        .map(|(_, layer)| *layer)
        .unwrap_or_else(|| panic!("module `{top}` has no layer in tests/architecture.rs LAYERS"))
}

/// The import graph over file modules (`lib` and `main` left out: they only declare and start).
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let known: BTreeSet<String> = files.iter().map(|(file, _)| module_of(file)).collect();
    files
        .iter()
        .filter(|(file, _)| file != "lib.rs" && file != "main.rs")
        .map(|(file, text)| {
            let module = module_of(file);
            let imported = imports(&module, &code_of(text), &known);
            (module, imported)
        })
        .collect()
}

#[test]
fn every_module_imports_only_from_lower_layers() {
    let mut upward = Vec::new();
    for (module, imported) in import_graph() {
        for target in imported {
            let same_module = top_level(&target) == top_level(&module);
            if !same_module && layer_of(&target) >= layer_of(&module) {
                upward.push(format!(
                    "{module} (layer {}) imports {target} (layer {})",
                    layer_of(&module),
                    layer_of(&target)
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that reach up or sideways:\n{}",
        upward.join("\n")
    );
}

#[test]
fn there_is_no_import_circle() {
    // A parent module and its own children name each other by design (the parent declares and
    // re-exports, the children use the parent's types); every other edge counts.
    let graph: BTreeMap<String, BTreeSet<String>> = import_graph()
        .into_iter()
        .map(|(module, imported)| {
            let kept = imported
                .into_iter()
                .filter(|target| {
                    !target.starts_with(&format!("{module}::"))
                        && !module.starts_with(&format!("{target}::"))
                })
                .collect();
            (module, kept)
        })
        .collect();
    let mut circles = Vec::new();
    for start in graph.keys() {
        // Depth-first search for a path back to `start`.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((module, path)) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                if next == start {
                    circles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn only_the_store_speaks_sql() {
    let speaking: Vec<String> = sources()
        .into_iter()
        .filter(|(file, text)| {
            !(file == "store.rs" || file.starts_with("store/")) && text.contains("rusqlite")
        })
        .map(|(file, _)| file)
        .collect();
    assert!(
        speaking.is_empty(),
        "rusqlite outside src/store: {speaking:?}"
    );
}

#[test]
fn pure_stages_read_no_clock_network_or_files() {
    let mut found = Vec::new();
    let files = sources();
    for pure in PURE {
        let matching: Vec<&(String, String)> = files
            .iter()
            .filter(|(file, _)| file == pure || (pure.ends_with('/') && file.starts_with(pure)))
            .collect();
        assert!(!matching.is_empty(), "no file under src/ matches {pure}");
        for (file, text) in matching {
            let code = code_of(text);
            for (needle, why) in IMPURE {
                if code.contains(needle) {
                    found.push(format!("src/{file} mentions `{needle}`: it {why}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "pure stages doing I/O:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_a_planted_violation() {
    // The scanner itself: a path in a `use` group, a `super::` sibling, and a comment that names a module
    // without importing it.
    let known: BTreeSet<String> = [
        "store",
        "store::items",
        "store::stories",
        "publish",
        "regions",
    ]
    .iter()
    .map(|m| m.to_string())
    .collect();
    let code = code_of(
        "use crate::{publish::AppError, regions};\n// crate::app is only mentioned\nuse super::items::PollSuccess;\n",
    );
    let found = imports("store::stories", &code, &known);
    let expected: BTreeSet<String> = ["publish", "regions", "store::items"]
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(found, expected);
    assert!(layer_of("publish") > layer_of("store"));
}
