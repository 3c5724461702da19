//! The crate's layers, checked: every `crate::` import of a module (tests
//! aside) points at its own layer or one below, and the imports have no
//! circle. ARCHITECTURE.md draws the same picture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first. A module may import its own layer and the ones before it.
const LAYERS: &[&[&str]] = &[
    &[
        "error",
        "secret",
        "domain",
        "input",
        "caa",
        "dns",
        "state_dir",
        "pointing",
        "le_limits",
        "shared_store",
        "clock",
    ],
    &["config"],
    &["api"],
    &[
        "app_memory",
        "breaker",
        "certificate_ledger",
        "certified",
        "removing",
        "ssl_batch",
        "timed_names",
        "waiting",
        "worker",
    ],
    &["flows", "sync"],
    &["php"],
];

/// Helpers of lib.rs that every layer may use.
const ROOT_HELPERS: &[&str] = &["lock", "test_dir", "catching_panics", "Error", "Result"];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&module))
        .unwrap_or_else(|| {
            panic!("module {module} is in no layer: add it to LAYERS and ARCHITECTURE.md")
        })
}

/// Module -> the crate modules its non-test code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if rel == "lib.rs" || !rel.ends_with(".rs") || rel.ends_with("/tests.rs") {
                continue;
            }
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let deps = out.entry(module.clone()).or_default();
            for (i, _) in code.match_indices("crate::") {
                let name: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != module && !ROOT_HELPERS.contains(&name.as_str()) {
                    deps.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn every_import_points_down_or_across() {
    for (module, deps) in imports() {
        let own = layer_of(&module);
        for dep in deps {
            assert!(
                layer_of(&dep) <= own,
                "{module} (layer {own}) imports {dep} (layer {}), which is above it",
                layer_of(&dep)
            );
        }
    }
}

#[test]
fn the_imports_have_no_circle() {
    let graph = imports();
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import circle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_string());
        for dep in graph.get(node).into_iter().flatten() {
            visit(dep, graph, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
    assert!(done.len() >= 15, "every module was seen: {done:?}");
}

/// Inside each folder of `src/`: file -> the sibling files its non-test code
/// names (`super::x`, `super::{x, y::Z}`, `crate::folder::x`). The folder's
/// `mod.rs` is its root, not a sibling: it declares the files, and they may
/// use what it holds.
fn file_imports() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        let stems: BTreeSet<String> = files
            .iter()
            .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
            .filter(|s| !matches!(s.as_str(), "mod" | "lib" | "tests"))
            .collect();
        let folder = dir
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let graph = out.entry(folder.clone()).or_default();
        for path in &files {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            if !stems.contains(&stem) {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let mut named = BTreeSet::new();
            let mut prefixes = vec!["super::".to_string()];
            if !folder.is_empty() {
                prefixes.push(format!("crate::{}::", folder.replace('/', "::")));
            }
            for prefix in &prefixes {
                for (i, _) in code.match_indices(prefix.as_str()) {
                    let rest = &code[i + prefix.len()..];
                    if let Some(group) = rest.strip_prefix('{') {
                        // `super::{a, b::C}`: the first name of each item at depth 0.
                        let mut depth = 0;
                        let mut item_start = true;
                        let mut word = String::new();
                        for c in group.chars() {
                            match c {
                                '{' => depth += 1,
                                '}' if depth == 0 => break,
                                '}' => depth -= 1,
                                ',' if depth == 0 => item_start = true,
                                c if c.is_ascii_alphanumeric() || c == '_' => {
                                    if item_start {
                                        word.push(c);
                                    }
                                }
                                _ => {
                                    if !word.is_empty() {
                                        named.insert(std::mem::take(&mut word));
                                    }
                                    if c != ' ' && c != '\n' {
                                        item_start = false;
                                    }
                                }
                            }
                        }
                        if !word.is_empty() {
                            named.insert(word);
                        }
                    } else {
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        named.insert(name);
                    }
                }
            }
            let deps: BTreeSet<String> = named
                .into_iter()
                .filter(|n| stems.contains(n) && *n != stem)
                .collect();
            graph.insert(stem, deps);
        }
    }
    out
}

#[test]
fn no_two_files_of_a_folder_import_each_other_directly_or_around_a_loop() {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        folder: &str,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!(
                "file import circle in src/{folder}: {} -> {node}",
                path[at..].join(" -> ")
            );
        }
        path.push(node.to_string());
        for dep in graph.get(node).into_iter().flatten() {
            visit(dep, graph, path, done, folder);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let all = file_imports();
    let php = &all["php"];
    // The reader sees the class's parts: a method file is seen importing its neighbours.
    assert!(
        php["certificate_methods"].contains("domain_methods"),
        "{php:?}"
    );
    for (folder, graph) in &all {
        let mut done = BTreeSet::new();
        for file in graph.keys() {
            visit(file, graph, &mut Vec::new(), &mut done, folder);
        }
    }
}
